package io.github.p2pboot.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Netty-free stream API over real QUIC and TCP (Noise, Yamux) connections on loopback. */
class ByteStreamTest {

    private static final String ECHO = "/test/echo/1.0.0";
    private final TestSwarms swarms = new TestSwarms();

    @AfterEach
    void close() {
        swarms.close();
    }

    private Swarm[] pair(String listen) throws Exception {
        Swarm server = swarms.start(b -> b.listen(listen));
        Swarm client = swarms.start(b -> b.listen(listen));
        client.dial(TestSwarms.address(server)).get(10, TimeUnit.SECONDS);
        return new Swarm[] {server, client};
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(15, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {TestSwarms.LOOPBACK_QUIC, TestSwarms.LOOPBACK_TCP})
    void echoesBytesToTheEndAndMessages(String listen) throws Exception {
        Swarm[] nodes = pair(listen);
        nodes[0].registerProtocol(ByteStreams.serve(ECHO, stream -> {
            BlockingByteStream s = stream.blocking();
            byte[] message = s.readMessage();
            s.writeMessage(message);
            s.write(s.readToEnd(1 << 20));
        }));
        ByteStream stream = await(ByteStreams.open(nodes[1], nodes[0].localPeerId(), ECHO));
        assertThat(stream.protocol()).isEqualTo(ECHO);
        assertThat(stream.remotePeer()).isEqualTo(nodes[0].localPeerId());
        BlockingByteStream s = stream.blocking();
        s.writeMessage("framed".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(s.readMessage(), StandardCharsets.UTF_8)).isEqualTo("framed");
        byte[] large = new byte[300_000];
        new java.util.Random(7).nextBytes(large);
        s.write(large);
        s.closeWrite();
        assertThat(s.readToEnd(1 << 20)).isEqualTo(large);
        await(stream.closed());
    }

    @Test
    void readGivesWhatArrivedAndEmptyAtTheEnd() throws Exception {
        Swarm[] nodes = pair(TestSwarms.LOOPBACK_QUIC);
        nodes[0].registerProtocol(ByteStreams.serve(ECHO, stream -> {
            stream.blocking().write("abc".getBytes(StandardCharsets.UTF_8));
        }));
        BlockingByteStream s = await(ByteStreams.open(nodes[1], nodes[0].localPeerId(), ECHO)).blocking();
        StringBuilder received = new StringBuilder();
        for (Optional<byte[]> chunk = s.read(); chunk.isPresent(); chunk = s.read()) {
            received.append(new String(chunk.get(), StandardCharsets.UTF_8));
        }
        assertThat(received).hasToString("abc");
    }

    @ParameterizedTest
    @ValueSource(strings = {TestSwarms.LOOPBACK_QUIC, TestSwarms.LOOPBACK_TCP})
    void messageOverTheLimitResetsOnlyThatStream(String listen) throws Exception {
        Swarm[] nodes = pair(listen);
        AtomicReference<Throwable> seen = new AtomicReference<>();
        nodes[0].registerProtocol(ByteStreams.serve(ECHO, stream -> {
            try {
                stream.blocking().readMessage(1024);
            } catch (StreamException e) {
                seen.set(e);
                throw e;
            }
        }));
        Connection connection = nodes[1].connection(nodes[0].localPeerId());
        ByteStream stream = await(ByteStreams.open(connection, ECHO));
        stream.writeMessage(new byte[4096]);
        await(stream.closed());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seen.get() != null);
        assertThat(seen.get()).isInstanceOf(StreamException.class).hasMessageContaining("exceeds the limit of 1024");
        assertThat(((StreamException) seen.get()).reason()).isEqualTo(StreamException.Reason.TOO_LARGE);
        assertThatThrownBy(() -> await(stream.read())).hasCauseInstanceOf(StreamException.class);
        // The connection and a new stream on it are fine.
        assertThat(nodes[1].connection(nodes[0].localPeerId())).isSameAs(connection);
        nodes[0].registerProtocol(ByteStreams.serve("/test/ok/1.0.0", s -> s.blocking().write(new byte[] {1})));
        assertThat(await(await(ByteStreams.open(connection, "/test/ok/1.0.0")).readToEnd(10))).containsExactly(1);
    }

    @Test
    void blockingOnAnEventLoopFailsAtOnce() throws Exception {
        Swarm[] nodes = pair(TestSwarms.LOOPBACK_QUIC);
        String answer = "/test/answer/1.0.0";
        nodes[0].registerProtocol(ByteStreams.serve(answer, stream -> {
            stream.blocking().read();
            stream.blocking().write(new byte[] {2});
            stream.blocking().readToEnd(10);
        }));
        ByteStream stream = await(ByteStreams.open(nodes[1], nodes[0].localPeerId(), answer));
        CompletableFuture<Throwable> onLoop = new CompletableFuture<>();
        // A read completes on the event loop when the bytes arrive, and runs there the callbacks
        // given to it before: this one is given before anything is sent, so it runs there.
        stream.read().whenComplete((bytes, e) -> {
            try {
                stream.blocking().read();
                onLoop.complete(null);
            } catch (Throwable t) {
                onLoop.complete(t);
            }
        });
        stream.write(new byte[] {1});
        assertThat(onLoop.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("would block a Netty event loop");
    }

    @Test
    void returnedFuturesCannotBeCompletedByCallers() throws Exception {
        Swarm[] nodes = pair(TestSwarms.LOOPBACK_QUIC);
        nodes[0].registerProtocol(ByteStreams.serve(ECHO, stream -> stream.blocking().readToEnd(10)));
        ByteStream stream = await(ByteStreams.open(nodes[1], nodes[0].localPeerId(), ECHO));
        CompletableFuture<Void> copy = stream.closed().toCompletableFuture();
        copy.complete(null);
        assertThat(stream.closed().toCompletableFuture().isDone()).isFalse();
        assertThatThrownBy(() -> ((CompletableFuture<?>) stream.closed()).complete(null))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    /**
     * A writer that waits for each write, to a reader that reads slowly, runs at most the
     * transport's windows ahead of the reader: memory stays bounded by them, not by what is written.
     */
    @ParameterizedTest
    @ValueSource(strings = {TestSwarms.LOOPBACK_QUIC, TestSwarms.LOOPBACK_TCP})
    void fastWriterToSlowReaderHoldsBoundedMemory(String listen) throws Exception {
        Swarm[] nodes = pair(listen);
        AtomicLong read = new AtomicLong();
        int chunk = 64 * 1024;
        long total = 24L * 1024 * 1024;
        nodes[0].registerProtocol(ByteStreams.serve(ECHO, stream -> {
            BlockingByteStream s = stream.blocking();
            for (Optional<byte[]> bytes = s.read(); bytes.isPresent(); bytes = s.read()) {
                read.addAndGet(bytes.get().length);
                Thread.sleep(2); // a slow consumer: about 32 MiB/s at most for 64 KiB reads
            }
        }));
        BlockingByteStream s = await(ByteStreams.open(nodes[1], nodes[0].localPeerId(), ECHO)).blocking();
        long written = 0;
        long maxAhead = 0;
        while (written < total) {
            s.write(new byte[chunk]);
            written += chunk;
            maxAhead = Math.max(maxAhead, written - read.get());
        }
        s.closeWrite();
        // QUIC's stream window, Yamux's 16 MiB max window plus the socket and pipeline buffers: far below 24 MiB.
        assertThat(maxAhead).as("bytes written ahead of the reader").isLessThan(total - 4L * 1024 * 1024);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> read.get() == total);
    }
}
