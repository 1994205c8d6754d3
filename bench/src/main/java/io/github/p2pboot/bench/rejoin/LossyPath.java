package io.github.p2pboot.bench.rejoin;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.peerstore.InMemoryPeerStore;
import io.github.p2pboot.swarm.CloseCause;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.ProtocolHandler;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmListener;
import io.github.p2pboot.transport.StreamEnds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Case (j), goal 5 of issue 8 (no false alarms): two of our nodes in this JVM at the engine's
 * defaults, the dialer's every connection to the listener through a {@link LossyUdpRelay} that
 * drops {@value #LOSS_PERCENT} % of the datagrams in each direction and delays each by
 * {@value #DELAY_MS} ms (a 100 ms round trip). First {@code --lossy-minutes} (10) idle, only
 * liveness on the connection; then as long busy, an echo stream of 1–5 KiB every
 * {@value #ECHO_SPACING_MS} ms. Nothing dies, so every close by liveness and every moment the
 * nodes have no connection to each other is a false alarm; a connection the pool replaced once a
 * new one was up (close cause "superseded") is reported apart, as the goal allows it.
 *
 * <p>The path is pinned: identify tells each node the other's direct loopback address, which a
 * redial would prefer, so the dialer's peer store dials the listener only at the relay and the
 * listener's store never dials the dialer (as if it were behind a NAT: its replacement dials fail
 * at once, and the dialer's must carry the pair). Not netem in a network namespace, which the
 * goal names: the bench runs unprivileged; the relay drops and delays the same way, except that
 * it does not reorder and adds its own scheduling jitter.
 */
final class LossyPath {

    static final int LOSS_PERCENT = 5;
    static final int DELAY_MS = 50;
    static final long ECHO_SPACING_MS = 500;
    static final String ECHO = "/p2pboot/bench/lossy-echo/1.0.0";
    private static final Duration ECHO_TIMEOUT = Duration.ofSeconds(10);

    private LossyPath() {
    }

    /** What happened on the pair during one phase. */
    private static final class Phase {
        final String name;
        final Map<String, Integer> closes = new TreeMap<>();
        int livenessCloses;
        int replacements;
        int disconnects;
        int opened;
        int roundTrips;
        int failedRoundTrips;
        final Map<String, Integer> failures = new TreeMap<>();
        final Samples rtt = new Samples();

        Phase(String name) {
            this.name = name;
        }

        synchronized void closed(String side, CloseCause cause, int remaining, boolean running) {
            closes.merge(side + " " + RejoinBench.CaseResult.causeClass(cause), 1, Integer::sum);
            if (cause.kind() == CloseCause.Kind.KEEP_ALIVE_TIMEOUT) {
                livenessCloses++;
            } else if (cause.detail() != null && cause.detail().contains("superseded")) {
                replacements++;
            }
            if (remaining == 0 && running) {
                disconnects++;
            }
        }

        synchronized void opened() {
            opened++;
        }

        synchronized String summary() {
            return name + ": closes by liveness " + livenessCloses + ", disconnects " + disconnects + ", replacements (superseded) "
                    + replacements + ", connections opened (seen by either side) " + opened
                    + (roundTrips + failedRoundTrips > 0 ? ", echo round trips " + roundTrips + " (failed " + failedRoundTrips + (failures.isEmpty() ? "" : ": " + failures)
                            + "), round trip p50 / p95 / max " + rtt.summary() : "")
                    + (closes.isEmpty() ? "" : "; closes: " + closes);
        }
    }

    static RejoinBench.CaseResult run(RejoinBench.Options options) throws Exception {
        int minutes = options.lossyMinutes;
        RejoinBench.CaseResult result = new RejoinBench.CaseResult("j", "ours ↔ ours over a lossy UDP relay (" + LOSS_PERCENT + " % loss, "
                + DELAY_MS + " ms delay each way): " + minutes + " min idle, then " + minutes + " min busy",
                "busy phase: an echo stream's round trip, one every " + ECHO_SPACING_MS + " ms (not within: failed)");
        result.noOldConnection = true;
        result.quiet = true;
        PrivateKey dialerKey = PrivateKey.generateEd25519();
        PrivateKey listenerKey = PrivateKey.generateEd25519();
        Swarm listener = null;
        Swarm dialer = null;
        LossyUdpRelay relay = null;
        try {
            listener = OurNodes.start(OurNodes.builder(listenerKey, 0, 0, options.keepAlive, options.idle)
                    .peerStore(new PinnedPeerStore(new InMemoryPeerStore(listenerKey.peerId()), Map.of(dialerKey.peerId(), List.of())))
                    .build());
            listener.registerProtocol(echoHandler());
            int port = listener.listenAddresses().stream().map(Multiaddr::toString).filter(a -> a.contains("/quic-v1")).findFirst()
                    .map(a -> Integer.parseInt(a.split("/")[4])).orElseThrow();
            relay = new LossyUdpRelay(port, LOSS_PERCENT / 100.0, DELAY_MS, 42);
            Multiaddr viaRelay = Multiaddr.parse("/ip4/127.0.0.1/udp/" + relay.port() + "/quic-v1/p2p/" + listener.localPeerId());
            PeerId listenerPeer = listener.localPeerId();
            dialer = OurNodes.start(OurNodes.builder(dialerKey, 0, 0, options.keepAlive, options.idle)
                    .peerStore(new PinnedPeerStore(new InMemoryPeerStore(dialerKey.peerId()), Map.of(listenerPeer, List.of(viaRelay.withoutPeerId()))))
                    .build());
            Phase idle = new Phase("idle " + minutes + " min");
            Phase busy = new Phase("busy " + minutes + " min");
            Phase[] current = {idle};
            for (Swarm swarm : List.of(dialer, listener)) {
                String side = swarm == dialer ? "dialer" : "listener";
                swarm.addListener(new SwarmListener() {
                    @Override
                    public void connectionOpened(Connection connection, int established) {
                        current[0].opened();
                    }

                    @Override
                    public void connectionClosed(Connection connection, CloseCause cause, int remaining) {
                        current[0].closed(side, cause, remaining, swarm.isRunning());
                    }
                });
            }
            dialer.dial(viaRelay).get(30, TimeUnit.SECONDS);
            long phaseNanos = TimeUnit.MINUTES.toNanos(minutes);
            System.out.printf("(j) connected through the relay; idle for %d min%n", minutes);
            long end = System.nanoTime() + phaseNanos;
            long nextReport = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (System.nanoTime() - end < 0) {
                Thread.sleep(Math.max(1, Math.min(1000, (end - System.nanoTime()) / 1_000_000)));
                if (System.nanoTime() - nextReport > 0) {
                    System.out.println("(j) " + idle.summary());
                    nextReport += TimeUnit.MINUTES.toNanos(1);
                }
            }
            System.out.println("(j) " + idle.summary());
            current[0] = busy;
            System.out.printf("(j) busy for %d min: an echo stream every %d ms%n", minutes, ECHO_SPACING_MS);
            Random random = new Random(42);
            end = System.nanoTime() + phaseNanos;
            nextReport = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            int run = 0;
            while (System.nanoTime() - end < 0) {
                byte[] data = new byte[1024 + random.nextInt(4096)];
                random.nextBytes(data);
                long start = System.nanoTime();
                String error = null;
                try {
                    // The swarm's choice of connection: the pool may have replaced the first one.
                    Stream stream = dialer.newStream(listenerPeer, ECHO).get(ECHO_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    byte[] echoed = roundTrip(stream, data).get(ECHO_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    if (!Arrays.equals(echoed, data)) {
                        error = "echo differs (" + echoed.length + " of " + data.length + " bytes)";
                    }
                } catch (java.util.concurrent.TimeoutException e) {
                    error = "no echo within " + ECHO_TIMEOUT.toSeconds() + " s";
                } catch (java.util.concurrent.ExecutionException e) {
                    error = e.getCause().getClass().getSimpleName();
                }
                long took = System.nanoTime() - start;
                synchronized (busy) {
                    if (error == null) {
                        busy.roundTrips++;
                        busy.rtt.addNanos(took);
                    } else {
                        busy.failedRoundTrips++;
                        busy.failures.merge(error, 1, Integer::sum);
                    }
                }
                result.record(++run, error == null, took, 0, -1, true, error);
                if (System.nanoTime() - nextReport > 0) {
                    System.out.println("(j) " + busy.summary());
                    nextReport += TimeUnit.MINUTES.toNanos(1);
                }
                Thread.sleep(ECHO_SPACING_MS); // the traffic's pace, not a wait for a condition
            }
            result.notes.add(idle.summary());
            result.notes.add(busy.summary());
            result.notes.add("relay: " + relay.forwarded() + " datagrams forwarded, " + relay.dropped() + " dropped");
            result.traffic = "n/a (lossy relay)";
        } finally {
            if (dialer != null) {
                dialer.close();
            }
            if (listener != null) {
                listener.close();
            }
            if (relay != null) {
                relay.close();
            }
        }
        return result;
    }

    private static ProtocolHandler echoHandler() {
        return new ProtocolHandler() {
            @Override
            public String protocolId() {
                return ECHO;
            }

            @Override
            public void handleStream(Stream stream) {
                stream.channel().pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                        ctx.writeAndFlush(msg.retain());
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof ChannelInputShutdownEvent) {
                            StreamEnds.closeWhenFlushed(ctx, ctx.channel());
                        }
                    }
                });
            }
        };
    }

    /** Writes {@code data}, ends our side, and collects what comes back until the peer ends its side. */
    private static CompletableFuture<byte[]> roundTrip(Stream stream, byte[] data) {
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        ByteBuf collected = Unpooled.buffer();
        stream.channel().pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                collected.writeBytes(msg);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                    reply.complete(ByteBufUtil.getBytes(collected));
                    ctx.close();
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                reply.complete(ByteBufUtil.getBytes(collected));
                collected.release();
            }
        });
        stream.channel().writeAndFlush(Unpooled.wrappedBuffer(data))
                .addListener(f -> ((DuplexChannel) stream.channel()).shutdownOutput());
        reply.whenComplete((bytes, error) -> stream.close());
        return reply;
    }
}
