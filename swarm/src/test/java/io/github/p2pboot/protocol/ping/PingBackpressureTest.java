package io.github.p2pboot.protocol.ping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.ProtocolHandler;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import io.github.p2pboot.transport.StreamReset;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A peer that sends ping payload on one stream and never reads the echoes, between real nodes
 * on loopback: the node stops reading the stream once its echoes cannot go out, so what it holds
 * for the stream stays bounded, and other peers are still served.
 */
class PingBackpressureTest {

    /** A protocol id of its own, served by the real ping echo handler, so liveness's pings stay apart. */
    private static final String ECHO = "/p2pboot/test/ping-echo/1.0.0";
    private static final long FLOOD = 16L * 1024 * 1024;
    /** What the node may hold for the stream: its windows and buffers, generously. */
    private static final long BOUND = 4L * 1024 * 1024;

    private final TestSwarms swarms = new TestSwarms();

    @AfterEach
    void close() {
        swarms.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {TestSwarms.LOOPBACK_TCP, TestSwarms.LOOPBACK_QUIC})
    void echoesForAPeerThatNeverReadsStayBoundedAndOthersArePinged(String listen) throws Exception {
        Swarm node = swarms.start(b -> b.listen(listen));
        CompletableFuture<Channel> served = new CompletableFuture<>();
        ProtocolHandler echo = Ping.handler();
        node.registerProtocol(new ProtocolHandler() {
            @Override
            public String protocolId() {
                return ECHO;
            }

            @Override
            public void handleStream(Stream stream) {
                served.complete(stream.channel());
                echo.handleStream(stream);
            }
        });
        Swarm attacker = swarms.start(b -> b.listen(listen));
        Connection connection = attacker.dial(TestSwarms.address(node)).get(10, TimeUnit.SECONDS);
        Stream stream = connection.newStream(ECHO).get(10, TimeUnit.SECONDS);
        Channel out = stream.channel();
        out.eventLoop().submit(() -> out.config().setAutoRead(false)).get(5, TimeUnit.SECONDS);

        byte[] payloads = new byte[512 * Ping.PAYLOAD_SIZE];
        long written = 0;
        long maxHeld = 0;
        long poolBefore = poolUsed();
        long maxPoolGrowth = 0;
        long lastProgress = System.nanoTime();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        // Until the flood is out or the node has stopped taking it for a second.
        while (written < FLOOD && System.nanoTime() - lastProgress < TimeUnit.SECONDS.toNanos(1) && System.nanoTime() < deadline) {
            // On the stream's loop, and only while writable, so that the attacker's own queue does
            // not grow: the memory measured below is to be the node's.
            boolean wrote = out.eventLoop().submit(() -> {
                if (out.isWritable()) {
                    out.writeAndFlush(Unpooled.wrappedBuffer(payloads));
                    return true;
                }
                return false;
            }).get(5, TimeUnit.SECONDS);
            if (wrote) {
                written += payloads.length;
                lastProgress = System.nanoTime();
            } else {
                Thread.sleep(1);
            }
            if (served.isDone()) {
                maxHeld = Math.max(maxHeld, held(served.get()));
            }
            maxPoolGrowth = Math.max(maxPoolGrowth, poolUsed() - poolBefore);
        }

        assertThat(maxHeld).as("bytes the node held for the stream").isLessThan(BOUND);
        // QUIC streams queue their writes where the outbound buffer above does not show them; all
        // nodes' buffers come from the default allocator, the attacker's own writes excepted.
        assertThat(maxPoolGrowth).as("growth of the allocator's memory in use").isLessThan(FLOOD / 2);
        assertThat(written).as("payload the node took before it stopped reading").isLessThan(FLOOD / 2);
        assertThat(served.get().isActive()).isTrue();

        // The connection under the stalled stream still carries other streams: its pings pass.
        assertThat(Ping.ping(connection).get(5, TimeUnit.SECONDS)).isLessThan(Duration.ofSeconds(5));
        Swarm legit = swarms.start(b -> b.listen(listen));
        Connection legitConnection = legit.dial(TestSwarms.address(node)).get(10, TimeUnit.SECONDS);
        assertThat(Ping.ping(legitConnection).get(5, TimeUnit.SECONDS)).isLessThan(Duration.ofSeconds(5));

        // Once the attacker resets the stream, the node lets it go, and what it held with it.
        StreamReset.reset(out);
        await().atMost(Duration.ofSeconds(10)).until(() -> !served.get().isActive());
    }

    /** What the node's side of the stream holds in Netty buffers: the stream's and its connection's. */
    private static long held(Channel stream) {
        long held = pending(stream);
        if (stream.parent() != null) {
            held += pending(stream.parent());
        }
        return held;
    }

    /** Memory the default allocator has in use, heap and direct; 0 if it does not tell. */
    private static long poolUsed() {
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            ByteBufAllocatorMetric metric = provider.metric();
            return metric.usedDirectMemory() + metric.usedHeapMemory();
        }
        return 0;
    }

    private static long pending(Channel channel) {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }
}
