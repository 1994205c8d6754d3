package io.github.p2pboot.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Request-response over a real QUIC connection: answers, and each failure case with a clear error
 * that never closes the connection or other streams.
 */
class RequestResponseTest {

    private final TestSwarms swarms = new TestSwarms();
    private Swarm server;
    private Swarm client;
    private Connection connection;

    @BeforeEach
    void connect() throws Exception {
        server = swarms.start();
        client = swarms.start();
        connection = client.dial(TestSwarms.address(server)).get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() {
        swarms.close();
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    private static StreamException failure(java.util.concurrent.CompletionStage<?> stage) {
        try {
            await(stage);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(StreamException.class);
            return (StreamException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError("expected a StreamException, got " + e, e);
        }
        throw new AssertionError("expected the request to fail");
    }

    /** After any failure: the connection is the same and a new request on it is answered. */
    private void stillServes() throws Exception {
        assertThat(client.connection(server.localPeerId())).isSameAs(connection);
        RequestResponse<String, String> ok = RequestResponse.of("/test/ok/1.0.0", Codec.utf8(), Codec.utf8()).build();
        server.registerProtocol(ok.serve((peer, request) -> "ok " + request));
        assertThat(await(ok.send(client, server.localPeerId(), "again"))).isEqualTo("ok again");
    }

    @Test
    void answersEachRequestOnItsOwnStream() throws Exception {
        RequestResponse<String, String> echo = RequestResponse.of("/test/echo/1.0.0", Codec.utf8(), Codec.utf8()).build();
        server.registerProtocol(echo.serve((peer, request) -> peer + " said " + request));
        for (int i = 0; i < 20; i++) {
            assertThat(await(echo.send(client, server.localPeerId(), "hello " + i))).isEqualTo(client.localPeerId() + " said hello " + i);
        }
        assertThat(await(echo.send(client, server.localPeerId(), ""))).endsWith("said ");
    }

    @Test
    void requestOverTheServersLimitIsRefused() throws Exception {
        RequestResponse<byte[], byte[]> serverSide = RequestResponse.bytes("/test/big/1.0.0").maxRequestSize(1000).build();
        server.registerProtocol(serverSide.serve((peer, request) -> new byte[] {1}));
        RequestResponse<byte[], byte[]> clientSide = RequestResponse.bytes("/test/big/1.0.0").build();
        StreamException e = failure(clientSide.send(client, server.localPeerId(), new byte[5000]));
        assertThat(e.reason()).isEqualTo(StreamException.Reason.HANDLER);
        assertThat(e).hasMessageContaining("without a response");
        stillServes();
    }

    @Test
    void responseOverTheClientsLimitFails() throws Exception {
        RequestResponse<byte[], byte[]> serverSide = RequestResponse.bytes("/test/big/1.0.0").build();
        server.registerProtocol(serverSide.serve((peer, request) -> new byte[100_000]));
        RequestResponse<byte[], byte[]> clientSide = RequestResponse.bytes("/test/big/1.0.0").maxResponseSize(1000).build();
        StreamException e = failure(clientSide.send(client, server.localPeerId(), new byte[1]));
        assertThat(e.reason()).isEqualTo(StreamException.Reason.TOO_LARGE);
        assertThat(e).hasMessageContaining("more than 1000 bytes");
        stillServes();
    }

    @Test
    void blockedHandlerTimesOutItsRequestOnlyAndALateResponseIsDropped() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        RequestResponse<String, String> slow = RequestResponse.of("/test/slow/1.0.0", Codec.utf8(), Codec.utf8())
                .timeout(Duration.ofMillis(500)).build();
        RequestResponse<String, String> serverSide = RequestResponse.of("/test/slow/1.0.0", Codec.utf8(), Codec.utf8())
                .timeout(Duration.ofSeconds(20)).build();
        server.registerProtocol(serverSide.serve((peer, request) -> {
            release.await(20, TimeUnit.SECONDS);
            return "late";
        }));
        long start = System.nanoTime();
        StreamException e = failure(slow.send(client, server.localPeerId(), "anyone?"));
        assertThat(e.reason()).isEqualTo(StreamException.Reason.TIMEOUT);
        assertThat(e).hasMessageContaining("within 500 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        // The handler still blocks on its thread: other requests on the connection are answered.
        stillServes();
        release.countDown(); // it answers now, after the client gave up: the late response is dropped
        assertThat(await(slow.send(client, server.localPeerId(), "again?"))).isEqualTo("late");
        assertThat(client.connection(server.localPeerId())).isSameAs(connection);
    }

    @Test
    void handlerThatThrowsResetsOnlyItsStream() throws Exception {
        RequestResponse<String, String> broken = RequestResponse.of("/test/broken/1.0.0", Codec.utf8(), Codec.utf8()).build();
        server.registerProtocol(broken.serve((peer, request) -> {
            throw new IllegalStateException("handler bug");
        }));
        StreamException e = failure(broken.send(client, server.localPeerId(), "x"));
        assertThat(e.reason()).isEqualTo(StreamException.Reason.HANDLER);
        stillServes();
    }

    @Test
    void codecsThatThrowFailOnlyTheirRequest() throws Exception {
        Codec<String> failing = new Codec<>() {
            @Override
            public byte[] encode(String value) {
                throw new IllegalArgumentException("cannot encode " + value);
            }

            @Override
            public String decode(byte[] bytes) {
                throw new IllegalArgumentException("cannot decode");
            }
        };
        RequestResponse<String, String> badRequests = RequestResponse.of("/test/codec/1.0.0", failing, Codec.utf8()).build();
        StreamException encoding = failure(badRequests.send(client, server.localPeerId(), "x"));
        assertThat(encoding.reason()).isEqualTo(StreamException.Reason.CODEC);
        assertThat(encoding).hasMessageContaining("cannot encode x");

        // The server cannot decode the request: it resets, the client hears of no answer.
        RequestResponse<String, String> serverDecodeFails = RequestResponse.of("/test/codec/1.0.0", failing, Codec.utf8()).build();
        server.registerProtocol(serverDecodeFails.serve((peer, request) -> "never"));
        RequestResponse<String, String> plain = RequestResponse.of("/test/codec/1.0.0", Codec.utf8(), Codec.utf8()).build();
        assertThat(failure(plain.send(client, server.localPeerId(), "x")).reason()).isEqualTo(StreamException.Reason.HANDLER);

        // The client cannot decode the response.
        RequestResponse<String, String> clientDecodeFails = RequestResponse.of("/test/codec2/1.0.0", Codec.utf8(), failing).build();
        server.registerProtocol(RequestResponse.of("/test/codec2/1.0.0", Codec.utf8(), Codec.utf8()).build().serve((p, r) -> r));
        StreamException decoding = failure(clientDecodeFails.send(client, server.localPeerId(), "x"));
        assertThat(decoding.reason()).isEqualTo(StreamException.Reason.CODEC);
        assertThat(decoding).hasMessageContaining("could not decode the response");
        stillServes();
    }

    @Test
    void unsupportedProtocolIsUnavailable() throws Exception {
        RequestResponse<String, String> nobody = RequestResponse.of("/test/nobody/1.0.0", Codec.utf8(), Codec.utf8()).build();
        StreamException e = failure(nobody.send(client, server.localPeerId(), "x"));
        assertThat(e.reason()).isEqualTo(StreamException.Reason.UNAVAILABLE);
        stillServes();
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> RequestResponse.bytes("no-slash")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RequestResponse.bytes("/x").maxRequestSize(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RequestResponse.bytes("/x").timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
