package io.github.p2pboot.swarm;

import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.protocol.ping.PingStream;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds out fast, and without false alarms, when a connection's peer has stopped answering: the
 * connection is closed instead of lingering until an idle timeout (which a QUIC connection to a
 * vanished peer reaches only after seconds, a TCP one after minutes of retransmissions).
 *
 * <p>Each connection gets one ping stream, kept open ({@link PingStream}), and a ping on it every
 * {@link LivenessSettings#interval()}, the first as the connection opens. A ping not answered in
 * time, or a ping stream that cannot be opened, is a miss: the connection becomes suspect
 * ({@link LivenessEvents#suspect}) and the next probe goes out at once. An answer, even one that
 * comes after its ping's deadline, clears the suspicion ({@link LivenessEvents#recovered}) and is
 * a round-trip sample. {@link LivenessSettings#failures()} misses in a row close the connection
 * with {@link CloseCause.Kind#KEEP_ALIVE_TIMEOUT}. A stream that fails to open is a miss too, but
 * the probe after it waits for its deadline, so that failures that come at once do not add up
 * within microseconds. A peer that refuses the ping protocol has answered: its connection is no
 * longer pinged, rather than closed.
 *
 * <p>The deadline of a ping follows the measured round-trip time, the way TCP's retransmission
 * timeout and QUIC's probe timeout do (RFC 6298 smoothing: {@code srtt} and {@code rttvar}):
 *
 * <pre>
 * timeout = clamp(2·srtt + 4·rttvar + allowance, minPingTimeout, interval)
 * allowance = 25 ms on QUIC, 200 ms on TCP
 * </pre>
 *
 * It leaves room for the transport to resend a lost ping, or a lost echo, once: QUIC resends
 * after its probe timeout {@code PTO = srtt + 4·rttvar + max_ack_delay} (RFC 9002 §6.2; the
 * peer's max_ack_delay is 25 ms by default), Linux TCP after its retransmission timeout
 * {@code RTO = srtt + max(4·rttvar, 200 ms)}, and the resent bytes and their echo take one more
 * {@code srtt}. The further probes sent after a miss also make the transport's loss detection
 * fire early (an acknowledged later packet reveals the loss of an earlier one), so several misses
 * in a row need the ping or its echo to be lost several times over: at 5 % loss on a 100 ms path
 * that is about one ping in ten thousand. Until the first sample the deadline is the interval.
 *
 * <p>Everything for a connection runs on its event loop; nothing blocks. A connection's state
 * goes when it closes.
 */
final class Liveness implements SwarmListener {

    private static final Logger log = LoggerFactory.getLogger(Liveness.class);

    /** QUIC resends after srtt + 4·rttvar + max_ack_delay; 25 ms is the default max_ack_delay. */
    static final Duration QUIC_RETRANSMIT_ALLOWANCE = Duration.ofMillis(25);
    /** Linux TCP resends no sooner than its minimum retransmission timeout, 200 ms. */
    static final Duration TCP_RETRANSMIT_ALLOWANCE = Duration.ofMillis(200);

    private final LivenessSettings quic;
    private final LivenessSettings tcp;
    private final LivenessEvents events;
    private final Map<SwarmConnection, Monitor> monitors = new ConcurrentHashMap<>();

    Liveness(LivenessSettings quic, LivenessSettings tcp, LivenessEvents events) {
        this.quic = quic;
        this.tcp = tcp;
        this.events = events;
    }

    @Override
    public void connectionOpened(Connection connection, int established) {
        SwarmConnection swarmConnection = (SwarmConnection) connection;
        boolean overTcp = "tcp".equals(connection.transport());
        Monitor monitor = new Monitor(swarmConnection, overTcp ? tcp : quic,
                overTcp ? TCP_RETRANSMIT_ALLOWANCE : QUIC_RETRANSMIT_ALLOWANCE);
        monitors.put(swarmConnection, monitor);
        swarmConnection.closeFuture().whenComplete((cause, error) -> {
            monitors.remove(swarmConnection);
            runOn(monitor.loop, monitor::stop);
        });
        runOn(monitor.loop, monitor::start);
    }

    /** Runs {@code task} on {@code loop}; a loop already shut down has no timers left to stop. */
    private static void runOn(EventLoop loop, Runnable task) {
        try {
            loop.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("Event loop gone, liveness task dropped: {}", e.toString());
        }
    }

    /**
     * Pings {@code connection} at once, unless a ping on it is already waiting for its answer: a
     * peer we believe connected opened another connection, which may mean it restarted and this
     * connection is dead.
     *
     * @return completes with true once the connection answers a ping, false once a ping on it
     *     goes unanswered or it closes
     */
    CompletableFuture<Boolean> probeNow(SwarmConnection connection) {
        CompletableFuture<Boolean> answered = new CompletableFuture<>();
        Monitor monitor = monitors.get(connection);
        if (monitor == null) {
            // Not watched (closed, or the peer does not serve ping): nothing to learn here.
            answered.complete(connection.isOpen());
            return answered;
        }
        runOn(monitor.loop, () -> {
            monitor.waiters.add(answered);
            monitor.probeNow();
        });
        return answered;
    }

    /**
     * The peer pinged us on {@code connection}: it is alive and the path works, which is what our
     * own ping would find out. On a connection the peer dialled, its pings stand in for ours, so
     * that a connection between two nodes that both run liveness carries one ping an interval,
     * not two; the dialling side always pings.
     */
    void peerPinged(Connection connection) {
        Monitor monitor = monitors.get(connection);
        if (monitor != null) {
            monitor.lastPeerPingNanos = System.nanoTime();
        }
    }

    /** The deadline the next ping on {@code connection} would get, or null if it is not watched. */
    Duration pingTimeout(SwarmConnection connection) {
        Monitor monitor = monitors.get(connection);
        return monitor == null ? null : Duration.ofNanos(monitor.timeoutNanos());
    }

    /** How many pings liveness has sent on {@code connection}, or -1 if it is not watched. */
    int pingsSent(SwarmConnection connection) {
        Monitor monitor = monitors.get(connection);
        return monitor == null ? -1 : monitor.pingsSent;
    }

    /** How many streams the connection's kept ping stream has opened, or -1 if not watched. */
    int pingStreamsOpened(SwarmConnection connection) {
        Monitor monitor = monitors.get(connection);
        return monitor == null ? -1 : monitor.pings.streamsOpened();
    }

    /**
     * One connection's pings and misses. Confined to the connection's event loop, but for
     * {@link #lastPeerPingNanos}, written from the ping stream's loop.
     */
    private final class Monitor {
        final SwarmConnection connection;
        final EventLoop loop;
        final LivenessSettings settings;
        final long allowanceNanos;
        final PingStream pings;
        /** RFC 6298 estimates in nanoseconds, volatile only for {@link #pingTimeout} readers. */
        volatile long srtt = -1;
        volatile long rttvar;
        ScheduledFuture<?> ticker;
        /** The newest probe still waiting to be answered or missed, or null. */
        Probe pending;
        volatile int pingsSent;
        /** When the peer last pinged us on this connection; 0 if never. */
        volatile long lastPeerPingNanos;
        /** {@link #probeNow} callers waiting for the next answer or miss. */
        final List<CompletableFuture<Boolean>> waiters = new ArrayList<>();
        int misses;
        boolean suspect;
        boolean stopped;

        Monitor(SwarmConnection connection, LivenessSettings settings, Duration allowance) {
            this.connection = connection;
            this.loop = connection.muxed().eventLoop();
            this.settings = settings;
            this.allowanceNanos = allowance.toNanos();
            this.pings = Ping.keptStream(connection);
        }

        void start() {
            if (stopped) {
                return;
            }
            long interval = settings.interval().toNanos();
            ticker = loop.scheduleAtFixedRate(this::tick, interval, interval, TimeUnit.NANOSECONDS);
            probe();
        }

        void tellWaiters(boolean answered) {
            if (!waiters.isEmpty()) {
                List<CompletableFuture<Boolean>> waiting = List.copyOf(waiters);
                waiters.clear();
                waiting.forEach(w -> w.complete(answered));
            }
        }

        void stop() {
            stopped = true;
            tellWaiters(false);
            monitors.remove(connection, this);
            if (ticker != null) {
                ticker.cancel(false);
            }
            if (pending != null) {
                pending.timer.cancel(false);
                pending = null;
            }
            pings.close();
        }

        /** The interval's ping, unless a probe is still out (a suspect connection is probed already). */
        void tick() {
            if (pending == null && !pingedByPeerWithinInterval()) {
                probe();
            }
        }

        /** On a connection the peer dialled, whether its own pings showed it alive this interval. */
        boolean pingedByPeerWithinInterval() {
            long last = lastPeerPingNanos;
            return connection.direction() == Direction.INBOUND && misses == 0 && last != 0
                    && System.nanoTime() - last < settings.interval().toNanos() + timeoutNanos();
        }

        void probeNow() {
            if (stopped) {
                tellWaiters(false);
            } else if (pending == null) {
                probe();
            }
        }

        long timeoutNanos() {
            long interval = settings.interval().toNanos();
            long smoothed = srtt;
            if (smoothed < 0) {
                return interval;
            }
            long derived = 2 * smoothed + 4 * rttvar + allowanceNanos;
            return Math.min(interval, Math.max(settings.minPingTimeout().toNanos(), derived));
        }

        void probe() {
            if (stopped || !connection.isOpen()) {
                return;
            }
            long timeout = timeoutNanos();
            if (!pings.isStreamOpen() && srtt >= 0) {
                // Opening the stream costs a round trip of negotiation before the ping's own.
                timeout = Math.min(settings.interval().toNanos(), 2 * timeout);
            }
            Probe probe = new Probe(timeout);
            pending = probe;
            pingsSent++;
            probe.timer = loop.schedule(() -> missed(probe, "no answer to a ping within " + millis(probe.timeoutNanos) + " ms"),
                    timeout, TimeUnit.NANOSECONDS);
            pings.ping().whenComplete((rtt, error) -> {
                if (loop.inEventLoop()) {
                    answered(probe, rtt, error);
                } else {
                    runOn(loop, () -> answered(probe, rtt, error));
                }
            });
        }

        void answered(Probe probe, Duration rtt, Throwable error) {
            if (stopped) {
                return;
            }
            if (error == null) {
                sample(rtt.toNanos());
                settle(probe);
                tellWaiters(true);
                if (misses > 0 || suspect) {
                    misses = 0;
                    if (suspect) {
                        suspect = false;
                        events.recovered(connection);
                    }
                }
                return;
            }
            Throwable cause = Futures.unwrap(error);
            if (probe.settled || !connection.isOpen()) {
                return;
            }
            if (cause instanceof PingStream.StreamEndedException) {
                // The peer ended a ping stream that had not answered yet: not a sign of death (it
                // said so), and the next interval's ping opens a new stream.
                log.debug("Ping stream on {} ended: {}", connection, cause.getMessage());
                settle(probe);
                return;
            }
            if (cause instanceof PingStream.NotSupportedException) {
                // An answer, and one that will not change: this connection goes unwatched (its
                // transport's own timeouts remain) rather than closed for a protocol it lacks.
                log.debug("Not pinging {}: {}", connection, cause.getMessage());
                settle(probe);
                tellWaiters(true);
                stop();
                return;
            }
            // A stream that cannot be opened is a miss, but the next probe waits out this one's
            // deadline: a failure that comes at once (a stream limit, say) must not add up to
            // three misses within microseconds.
            missed(probe, "ping failed: " + cause.getMessage(), false);
        }

        void missed(Probe probe, String why) {
            missed(probe, why, true);
        }

        void missed(Probe probe, String why, boolean probeAtOnce) {
            if (stopped || probe.settled) {
                return;
            }
            settle(probe);
            misses++;
            tellWaiters(false);
            if (misses >= settings.failures()) {
                String detail = "missed " + misses + (misses == 1 ? " ping" : " pings in a row") + " (timeout "
                        + millis(probe.timeoutNanos) + " ms, smoothed round trip " + (srtt < 0 ? "not measured" : millis(srtt) + " ms")
                        + "); last: " + why;
                log.debug("Closing {}: {}", connection, detail);
                connection.close(new CloseCause(CloseCause.Kind.KEEP_ALIVE_TIMEOUT, detail));
                stop();
                return;
            }
            // One miss alone is common on a lossy path and the probe that follows at once settles
            // it; the swarm is told at the last miss before the close (the first when there is only
            // one more to go), when replacing the connection is worth a dial.
            if (!suspect && misses >= Math.max(1, settings.failures() - 1)) {
                suspect = true;
                events.suspect(connection, why);
            }
            if (probeAtOnce) {
                probe();
            } else {
                // Held as the pending probe, so that neither the interval nor probeNow adds one.
                Probe wait = new Probe(probe.timeoutNanos);
                pending = wait;
                wait.timer = loop.schedule(() -> {
                    settle(wait);
                    probe();
                }, probe.timeoutNanos, TimeUnit.NANOSECONDS);
            }
        }

        void settle(Probe probe) {
            probe.settled = true;
            probe.timer.cancel(false);
            if (pending == probe) {
                pending = null;
            }
        }

        /** RFC 6298 §2: the first sample sets srtt, later ones smooth it by 1/8 and rttvar by 1/4. */
        void sample(long rtt) {
            if (srtt < 0) {
                srtt = rtt;
                rttvar = rtt / 2;
            } else {
                rttvar = (3 * rttvar + Math.abs(srtt - rtt)) / 4;
                srtt = (7 * srtt + rtt) / 8;
            }
        }
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /** One ping and its deadline. */
    private static final class Probe {
        final long timeoutNanos;
        ScheduledFuture<?> timer;
        boolean settled;

        Probe(long timeoutNanos) {
            this.timeoutNanos = timeoutNanos;
        }
    }
}
