package io.github.p2pboot.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.codec.UvarintFrameDecoder;
import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.resource.MemoryBudget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stream deadlines between real nodes on loopback, over TCP (Yamux) and QUIC: a stream idle for
 * the idle timeout is reset, traffic keeps it open; a length-prefixed message that does not
 * arrive whole within the message timeout, or that the stream's memory budget cannot hold, resets
 * its stream and gives the budget its bytes back.
 */
class SwarmStreamDeadlinesTest {

    private static final String ECHO = "/p2pboot/test/echo/1.0.0";
    private static final String FRAMES = "/p2pboot/test/frames/1.0.0";
    private static final Duration SHORT = Duration.ofMillis(500);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int BUDGET = 64 * 1024;

    private final TestSwarms swarms = new TestSwarms();
    /** What the frames protocol decoded and the errors it was told of, on the node under test. */
    private final List<Integer> frames = new CopyOnWriteArrayList<>();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final AtomicLong reserved = new AtomicLong();

    @AfterEach
    void close() {
        swarms.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {TestSwarms.LOOPBACK_TCP, TestSwarms.LOOPBACK_QUIC})
    void idleStreamIsResetAndABusyOneIsNot(String listen) throws Exception {
        Swarm node = start(listen, StreamSettings.DEFAULTS.withIdleTimeout(SHORT));
        node.registerProtocol(StreamTestSupport.echoHandler(ECHO));
        Connection connection = opener(listen).dial(TestSwarms.address(node)).get(10, TimeUnit.SECONDS);

        Channel idle = connection.newStream(ECHO).get(10, TimeUnit.SECONDS).channel();
        Channel busy = connection.newStream(ECHO).get(10, TimeUnit.SECONDS).channel();
        // Written to within the idle timeout again and again, for three times as long.
        long until = System.nanoTime() + 3 * SHORT.toNanos();
        while (System.nanoTime() < until) {
            busy.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1}));
            Thread.sleep(SHORT.toMillis() / 5);
        }
        assertThat(busy.isActive()).as("the stream with traffic").isTrue();
        await().atMost(WAIT).until(() -> !idle.isActive());
        // Once quiet, the busy one goes too.
        await().atMost(WAIT).until(() -> !busy.isActive());
        assertThat(connection.isOpen()).as("the connection").isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {TestSwarms.LOOPBACK_TCP, TestSwarms.LOOPBACK_QUIC})
    void messageThatDoesNotArriveWholeInTimeResetsItsStream(String listen) throws Exception {
        Swarm node = start(listen, StreamSettings.DEFAULTS.withMessageTimeout(SHORT));
        node.registerProtocol(framesHandler(channel -> { }));
        Connection connection = opener(listen).dial(TestSwarms.address(node)).get(10, TimeUnit.SECONDS);
        Channel stream = connection.newStream(FRAMES).get(10, TimeUnit.SECONDS).channel();

        // A whole message goes through; the start of the next one never gets its rest.
        stream.writeAndFlush(frame(5, 5));
        stream.writeAndFlush(frame(100_000, 1_000));

        await().atMost(WAIT).until(() -> !stream.isActive());
        // The reset can reach this side before the node's handler has recorded why.
        await().atMost(WAIT).until(() -> !errors.isEmpty());
        assertThat(frames).containsExactly(5);
        assertThat(errors).singleElement().satisfies(e -> assertThat(e).hasMessageContaining("did not arrive whole within 500 ms"));
        assertThat(connection.isOpen()).as("the connection").isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {TestSwarms.LOOPBACK_TCP, TestSwarms.LOOPBACK_QUIC})
    void messageTheBudgetCannotHoldResetsItsStreamAndReservationsAreReturned(String listen) throws Exception {
        Swarm node = start(listen, StreamSettings.DEFAULTS);
        node.registerProtocol(framesHandler(channel -> channel.attr(MemoryBudget.ATTRIBUTE).set(new CountingBudget())));
        Connection connection = opener(listen).dial(TestSwarms.address(node)).get(10, TimeUnit.SECONDS);

        // A message within the budget, sent in two parts so that it is held partly received.
        Channel fits = connection.newStream(FRAMES).get(10, TimeUnit.SECONDS).channel();
        ByteBuf whole = frame(BUDGET / 2, BUDGET / 2);
        int half = whole.readableBytes() / 2;
        fits.writeAndFlush(whole.retainedSlice(0, half)).sync();
        await().atMost(WAIT).until(() -> reserved.get() == BUDGET / 2);
        fits.writeAndFlush(whole.retainedSlice(half, whole.readableBytes() - half));
        whole.release();
        await().atMost(WAIT).until(() -> frames.contains(BUDGET / 2));
        assertThat(reserved.get()).as("reserved once the message is whole").isZero();

        Channel tooLarge = connection.newStream(FRAMES).get(10, TimeUnit.SECONDS).channel();
        tooLarge.writeAndFlush(frame(2 * BUDGET, 1_000));
        await().atMost(WAIT).until(() -> !tooLarge.isActive());
        await().atMost(WAIT).until(() -> !errors.isEmpty());
        assertThat(errors).singleElement().satisfies(e -> assertThat(e).hasMessageContaining("memory budget"));
        assertThat(reserved.get()).isZero();
        assertThat(fits.isActive()).as("the other stream").isTrue();
    }

    private Swarm start(String listen, StreamSettings streams) {
        return swarms.start(b -> b.listen(listen)
                .tcp(TcpSettings.DEFAULTS.withStreams(streams))
                .quic(QuicSettings.DEFAULTS.withStreams(streams)));
    }

    private Swarm opener(String listen) {
        return swarms.start(b -> b.listen(listen));
    }

    /** Length prefix {@code length}, then only {@code sent} bytes of the body. */
    private static ByteBuf frame(int length, int sent) {
        ByteBuf b = Unpooled.buffer();
        Varint.write(length, b);
        b.writeZero(sent);
        return b;
    }

    /** Decodes frames with the real decoder and records their sizes and the errors it raises. */
    private ProtocolHandler framesHandler(Consumer<Channel> before) {
        return new ProtocolHandler() {
            @Override
            public String protocolId() {
                return FRAMES;
            }

            @Override
            public void handleStream(Stream stream) {
                before.accept(stream.channel());
                stream.channel().pipeline().addLast(new UvarintFrameDecoder(1024 * 1024), new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf frame = (ByteBuf) msg;
                        frames.add(frame.readableBytes());
                        frame.release();
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        errors.add(cause);
                        ctx.close();
                    }
                });
            }
        };
    }

    /** A budget of {@value #BUDGET} bytes per stream that counts what is reserved. */
    private final class CountingBudget implements MemoryBudget {
        private long inUse;

        @Override
        public synchronized boolean reserve(long bytes) {
            if (inUse + bytes > BUDGET) {
                return false;
            }
            inUse += bytes;
            reserved.addAndGet(bytes);
            return true;
        }

        @Override
        public synchronized void release(long bytes) {
            inUse -= bytes;
            reserved.addAndGet(-bytes);
        }
    }
}
