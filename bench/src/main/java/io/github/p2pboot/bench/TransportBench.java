package io.github.p2pboot.bench;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.interop.peers.JsPeer;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.ProtocolHandler;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import io.github.p2pboot.transport.StreamEnds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Connection set-up time and single-stream echo throughput over QUIC and over TCP (Noise, Yamux),
 * for our node and a js-libp2p node dialling each other on loopback, and our node dialling itself.
 *
 * <p>Run: {@code ./mvnw -q install -DskipTests && ./mvnw -q -f bench/pom.xml exec:java
 * -Dbench=io.github.p2pboot.bench.TransportBench} (system properties {@code dials}, {@code mib}).
 */
public final class TransportBench {

    private static final String ECHO = "/p2pboot/echo/1.0.0";
    /** js-libp2p closes inbound connections beyond 5 a second from one host: dials are paced. */
    private static final long DIAL_PACING_MS = 250;

    public static void main(String[] args) throws Exception {
        int dials = Integer.getInteger("dials", 30);
        int size = Integer.getInteger("mib", 16) << 20;
        System.out.printf("machine: %d cores, java %s; %d dials per case, echo of %d MiB%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), dials, size >> 20);
        Swarm ours = start();
        Swarm other = start();
        JsPeer js = JsPeer.start(JsPeer.options());
        try {
            for (String transport : List.of("quic-v1", "tcp")) {
                Multiaddr jsAddress = Multiaddr.parse(transport.equals("tcp") ? js.tcpAddress() : js.quicAddress());
                Multiaddr oursAddress = address(ours, transport);
                Multiaddr otherAddress = address(other, transport);

                report(transport, "dial: ours -> js", dialTimes(ours, jsAddress, dials));
                List<Double> jsDials = new ArrayList<>();
                for (int i = 0; i < dials; i++) {
                    jsDials.add(js.call("timedDial", Map.of("addr", oursAddress.toString(),
                            "peerId", ours.localPeerId().toString()), Duration.ofSeconds(20)).asDouble());
                    Thread.sleep(DIAL_PACING_MS);
                }
                report(transport, "dial: js -> ours", jsDials);
                report(transport, "dial: ours -> ours", dialTimes(ours, otherAddress, dials));

                double oursToJs = echoMs(ours, jsAddress, size);
                var jsEcho = js.call("timedEcho", Map.of("addr", oursAddress.toString(), "size", size), Duration.ofSeconds(60));
                double oursToOurs = echoMs(ours, otherAddress, size);
                System.out.printf("%-8s echo %d MiB: ours -> js %.0f ms (%.1f MiB/s each way), js -> ours %.0f ms (%.1f MiB/s, intact %s), ours -> ours %.0f ms (%.1f MiB/s)%n",
                        transport, size >> 20, oursToJs, mibPerSecond(size, oursToJs), jsEcho.get("ms").asDouble(),
                        mibPerSecond(size, jsEcho.get("ms").asDouble()), jsEcho.get("intact").asBoolean(),
                        oursToOurs, mibPerSecond(size, oursToOurs));
            }
        } finally {
            js.close();
            ours.close();
            other.close();
        }
        System.exit(0);
    }

    private static Swarm start() {
        Swarm swarm = new Swarm(SwarmConfig.builder(PrivateKey.generateEd25519())
                .listen("/ip4/127.0.0.1/udp/0/quic-v1").listen("/ip4/127.0.0.1/tcp/0").build());
        swarm.start();
        swarm.registerProtocol(new EchoHandler());
        return swarm;
    }

    private static Multiaddr address(Swarm swarm, String transport) {
        return swarm.listenAddresses().stream()
                .filter(a -> transport.equals("tcp") ? a.toString().contains("/tcp/") : a.toString().contains("/quic-v1"))
                .findFirst().orElseThrow().withPeerId(swarm.localPeerId());
    }

    /** Time to a secured, multiplexed connection; each dial makes a new one and closes it after. */
    private static List<Double> dialTimes(Swarm from, Multiaddr to, int dials) throws Exception {
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < dials; i++) {
            long start = System.nanoTime();
            Connection connection = from.dial(to).get(20, TimeUnit.SECONDS);
            millis.add((System.nanoTime() - start) / 1e6);
            connection.close().get(5, TimeUnit.SECONDS);
            Thread.sleep(DIAL_PACING_MS);
        }
        return millis;
    }

    /** Writes {@code size} random bytes to the peer's echo protocol and waits for all of them back. */
    private static double echoMs(Swarm from, Multiaddr to, int size) throws Exception {
        byte[] payload = new byte[size];
        new Random(1).nextBytes(payload);
        Connection connection = from.dial(to).get(20, TimeUnit.SECONDS);
        long start = System.nanoTime();
        Stream stream = connection.newStream(ECHO).get(10, TimeUnit.SECONDS);
        CompletableFuture<Long> done = new CompletableFuture<>();
        AtomicLong received = new AtomicLong();
        stream.channel().pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                if (received.addAndGet(msg.readableBytes()) >= size) {
                    done.complete(System.nanoTime());
                }
            }
        });
        for (int offset = 0; offset < size; offset += 65536) {
            stream.channel().write(Unpooled.wrappedBuffer(payload, offset, Math.min(65536, size - offset)));
        }
        stream.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ((DuplexChannel) stream.channel()).shutdownOutput());
        long end = done.get(60, TimeUnit.SECONDS);
        stream.close();
        connection.close().get(5, TimeUnit.SECONDS);
        return (end - start) / 1e6;
    }

    private static double mibPerSecond(int bytes, double millis) {
        return (bytes / (1024.0 * 1024.0)) / (millis / 1000.0);
    }

    private static void report(String transport, String what, List<Double> millis) {
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        System.out.printf("%-8s %-20s p50 %.2f ms, p95 %.2f ms, min %.2f ms (%d dials)%n", transport, what,
                sorted.get(sorted.size() / 2), sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(0.95 * sorted.size()) - 1)),
                sorted.get(0), sorted.size());
    }

    /** Sends back everything it reads, and ends its side when the peer ends its own. */
    private static final class EchoHandler implements ProtocolHandler {
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
                public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                    if (event instanceof ChannelInputShutdownEvent) {
                        StreamEnds.closeWhenFlushed(ctx, ctx.channel());
                    }
                }
            });
        }
    }
}
