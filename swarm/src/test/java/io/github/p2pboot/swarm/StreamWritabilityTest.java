package io.github.p2pboot.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A writer that writes as fast as {@link Stream#isWritable()} and {@link Stream#whenWritable()}
 * let it, to a peer that does not read: it is held back by the stream's and connection's windows
 * (Yamux over TCP, QUIC), so what it has written and the peer has not read stays bounded; once
 * the peer reads, everything arrives.
 */
class StreamWritabilityTest {

    private static final String SINK = "/p2pboot/test/sink/1.0.0";
    private static final long TOTAL = 32L * 1024 * 1024;
    private static final int CHUNK = 64 * 1024;
    /**
     * The most that may be on its way: the peer's stream window (Yamux 256 KiB, QUIC 1 MiB), the
     * stream's and connection's outbound buffers up to their high water marks, and a chunk.
     */
    private static final long BOUND = 4L * 1024 * 1024;

    private final TestSwarms swarms = new TestSwarms();

    @AfterEach
    void close() {
        swarms.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic", "tcp"})
    void aFastWriterToAPeerThatDoesNotReadHoldsAtMostTheWindows(String transport) throws Exception {
        String listen = transport.equals("tcp") ? TestSwarms.LOOPBACK_TCP : TestSwarms.LOOPBACK_QUIC;
        Swarm reader = swarms.start(b -> b.listen(listen));
        CompletableFuture<Stream> sink = new CompletableFuture<>();
        AtomicLong received = new AtomicLong();
        AtomicBoolean reading = new AtomicBoolean();
        reader.registerProtocol(new ProtocolHandler() {
            @Override
            public String protocolId() {
                return SINK;
            }

            @Override
            public void handleStream(Stream stream) {
                stream.channel().config().setAutoRead(false);
                stream.channel().pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        received.addAndGet(((ByteBuf) msg).readableBytes());
                        ((ByteBuf) msg).release();
                    }

                    /** Reads on by asking for each next read, not by auto-read, which the swarm's guards also turn. */
                    @Override
                    public void channelReadComplete(ChannelHandlerContext ctx) {
                        if (reading.get()) {
                            ctx.read();
                        }
                    }
                });
                sink.complete(stream);
            }
        });
        Swarm writerNode = swarms.start(b -> b.listen(listen));
        Connection connection = writerNode.dial(transport.equals("tcp") ? TestSwarms.tcpAddress(reader) : TestSwarms.address(reader))
                .get(10, TimeUnit.SECONDS);
        Stream stream = connection.newStream(SINK).get(10, TimeUnit.SECONDS);
        Writer writer = new Writer(stream);
        stream.channel().eventLoop().execute(writer::pump);

        // Until the peer's window is used up: the writer waits and the stream stays unwritable
        // (over QUIC it turns writable for moments while congestion lets up, until then).
        await().atMost(Duration.ofSeconds(20)).until(() -> sink.isDone()
                && stream.channel().eventLoop().submit(() -> writer.waiting.get() && !stream.isWritable()).get());
        long writtenWhileBlocked = writer.written.get();
        assertThat(writtenWhileBlocked - received.get()).as("bytes written and not read").isLessThan(BOUND);
        assertThat(writtenWhileBlocked).isLessThan(TOTAL);

        reading.set(true);
        sink.get().channel().read();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(received.get())
                .as("bytes read, of %d written; writer waiting %s, stream writable %s", writer.written.get(), writer.waiting.get(), stream.isWritable())
                .isEqualTo(TOTAL));
        assertThat(writer.written.get()).isEqualTo(TOTAL);
        assertThat(connection.isOpen()).isTrue();
    }

    /**
     * Writes while writable, waits for writability otherwise. (How far ahead of the reader it runs
     * once the reader reads is not bounded by the initial windows: quiche grows a QUIC stream's
     * window for a reader that keeps up.)
     */
    private static final class Writer {
        private final Stream stream;
        final AtomicLong written = new AtomicLong();
        final AtomicBoolean waiting = new AtomicBoolean();

        Writer(Stream stream) {
            this.stream = stream;
        }

        void pump() {
            waiting.set(false);
            while (written.get() < TOTAL && stream.isWritable()) {
                stream.channel().write(Unpooled.wrappedBuffer(new byte[CHUNK]));
                written.addAndGet(CHUNK);
            }
            stream.channel().flush();
            if (written.get() < TOTAL) {
                waiting.set(true);
                stream.whenWritable().thenRun(this::pump);
            }
        }
    }
}
