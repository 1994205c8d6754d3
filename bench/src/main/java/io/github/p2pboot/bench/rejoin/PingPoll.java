package io.github.p2pboot.bench.rejoin;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pings a peer every {@code interval} until a ping succeeds, and records when (System.nanoTime):
 * the first moment this node has a working stream to the peer.
 *
 * <p>Each tick pings the peer's newest open connection ({@link Swarm#connection(PeerId)}); the
 * attempts overlap, so a success is seen within about one interval of being possible even while
 * earlier pings hang on a connection whose peer is gone. Attempts hanging on one connection are
 * left to end with it, at most {@value #MAX_PINGS_PER_CONNECTION} per connection. When the node
 * has no open connection to the peer:
 * <ul>
 *   <li>{@link Mode#DIAL} dials it ({@link Swarm#dial(PeerId)}, from the peer store), as an
 *       application retrying its request would: {@value #DIAL_SPACING_MS} ms after the last dial
 *       started, and a second one beside it only once it has been pending for
 *       {@value #SECOND_DIAL_AFTER_MS} ms (a dial sent while the peer was down waits on QUIC
 *       retransmissions). So the bench itself makes duplicate connections only when a handshake
 *       takes that long, and dials to a peer still down do not pile up;</li>
 *   <li>{@link Mode#OBSERVE} only waits: it measures the engine reconnecting on its own (or the
 *       peer dialling in).</li>
 * </ul>
 */
final class PingPoll {

    static final int MAX_PINGS_PER_CONNECTION = 16;
    static final int MAX_DIALS = 2;
    static final long DIAL_SPACING_MS = 100;
    static final long SECOND_DIAL_AFTER_MS = 1000;

    enum Mode { DIAL, OBSERVE }

    /**
     * @param reachedNanos System.nanoTime() when the first ping's echo arrived; -1 if none did
     */
    record Result(boolean reached, long reachedNanos, int attempts, String lastError) {
    }

    private final Swarm swarm;
    private final PeerId peer;
    private final Mode mode;
    private final long deadlineNanos;
    private final CompletableFuture<Result> result = new CompletableFuture<>();
    private final Map<String, AtomicInteger> pingsInFlight = new ConcurrentHashMap<>();
    private final AtomicInteger dialsInFlight = new AtomicInteger();
    private final AtomicInteger attempts = new AtomicInteger();
    private final AtomicLong lastDialNanos = new AtomicLong(Long.MIN_VALUE / 2);
    private volatile String lastError;
    private final ScheduledExecutorService timer;

    private PingPoll(Swarm swarm, PeerId peer, Mode mode, Duration deadline) {
        this.swarm = swarm;
        this.peer = peer;
        this.mode = mode;
        this.deadlineNanos = System.nanoTime() + deadline.toNanos();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "ping-poll-" + peer.toBase58().substring(0, 12));
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts polling at once; the result completes at the first success or at {@code deadline}. */
    static PingPoll start(Swarm swarm, PeerId peer, Mode mode, Duration interval, Duration deadline) {
        PingPoll poll = new PingPoll(swarm, peer, mode, deadline);
        poll.timer.scheduleWithFixedDelay(poll::tick, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
        poll.result.whenComplete((r, e) -> poll.timer.shutdownNow());
        return poll;
    }

    CompletableFuture<Result> result() {
        return result;
    }

    /** Stops polling if it has not finished (the result then says not reached). */
    void cancel() {
        result.complete(new Result(false, -1, attempts.get(), "cancelled"));
    }

    private void tick() {
        if (result.isDone()) {
            return;
        }
        if (System.nanoTime() - deadlineNanos > 0) {
            result.complete(new Result(false, -1, attempts.get(), lastError));
            return;
        }
        try {
            Connection connection = swarm.connection(peer);
            if (connection != null) {
                ping(connection);
            } else if (mode == Mode.DIAL && mayDial()) {
                dial();
            }
        } catch (RuntimeException e) {
            lastError = e.toString();
        }
    }

    private boolean mayDial() {
        int inFlight = dialsInFlight.get();
        long sinceLastDial = System.nanoTime() - lastDialNanos.get();
        return inFlight == 0
                ? sinceLastDial >= TimeUnit.MILLISECONDS.toNanos(DIAL_SPACING_MS)
                : inFlight < MAX_DIALS && sinceLastDial >= TimeUnit.MILLISECONDS.toNanos(SECOND_DIAL_AFTER_MS);
    }

    private void dial() {
        dialsInFlight.incrementAndGet();
        lastDialNanos.set(System.nanoTime());
        attempts.incrementAndGet();
        swarm.dial(peer).whenComplete((connection, error) -> {
            dialsInFlight.decrementAndGet();
            if (error != null) {
                lastError = "dial: " + error;
            } else {
                ping(connection);
            }
        });
    }

    private void ping(Connection connection) {
        AtomicInteger inFlight = pingsInFlight.computeIfAbsent(connection.id(), id -> new AtomicInteger());
        if (inFlight.incrementAndGet() > MAX_PINGS_PER_CONNECTION) {
            inFlight.decrementAndGet();
            return;
        }
        attempts.incrementAndGet();
        Ping.ping(connection).whenComplete((rtt, error) -> {
            long now = System.nanoTime();
            inFlight.decrementAndGet();
            if (error == null) {
                result.complete(new Result(true, now, attempts.get(), lastError));
            } else {
                lastError = "ping: " + error;
            }
        });
    }
}
