package io.github.p2pboot.stream;

import io.github.p2pboot.swarm.Futures;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.swarm.ProtocolHandler;
import io.github.p2pboot.swarm.Swarm;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One request and one response per stream, like rust-libp2p's {@code request_response}: the client
 * opens a stream, writes the request and ends its side; the server reads the request to the end,
 * answers, and ends its side; the client reads the response to the end. Each side bounds what it
 * reads ({@code maxRequestSize}, {@code maxResponseSize}) and the client's {@code timeout} covers the
 * whole exchange, dial included.
 *
 * <pre>{@code
 * RequestResponse<String, String> echo = RequestResponse.of("/echo/1.0.0", Codec.utf8(), Codec.utf8()).build();
 * swarm.registerProtocol(echo.serve(request -> request));
 * String answer = echo.send(swarm, peer, "hello").toCompletableFuture().join();
 * }</pre>
 *
 * @param <Q> the request type
 * @param <R> the response type
 */
public final class RequestResponse<Q, R> {

    /** The default limit of a request and of a response. */
    public static final int DEFAULT_MAX_SIZE = 1024 * 1024;

    /** The default deadline of a whole exchange. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** Answers one request; may block (it runs on the protocol's executor). */
    @FunctionalInterface
    public interface Handler<Q, R> {
        R handle(PeerId from, Q request) throws Exception;
    }

    private final String protocolId;
    private final Codec<Q> requests;
    private final Codec<R> responses;
    private final int maxRequestSize;
    private final int maxResponseSize;
    private final Duration timeout;

    private RequestResponse(Builder<Q, R> builder) {
        this.protocolId = builder.protocolId;
        this.requests = builder.requests;
        this.responses = builder.responses;
        this.maxRequestSize = builder.maxRequestSize;
        this.maxResponseSize = builder.maxResponseSize;
        this.timeout = builder.timeout;
    }

    /** A protocol {@code protocolId} with these codecs; the builder sets limits and the timeout. */
    public static <Q, R> Builder<Q, R> of(String protocolId, Codec<Q> requests, Codec<R> responses) {
        return new Builder<>(protocolId, requests, responses);
    }

    /** Raw bytes both ways. */
    public static Builder<byte[], byte[]> bytes(String protocolId) {
        return of(protocolId, Codec.bytes(), Codec.bytes());
    }

    public String protocolId() {
        return protocolId;
    }

    public Duration timeout() {
        return timeout;
    }

    /**
     * Sends {@code request} to {@code peer} (dialling it if need be) and completes with its
     * response, or fails with a {@link StreamException}: {@code TIMEOUT}, {@code TOO_LARGE} (the
     * response), {@code CODEC}, {@code UNAVAILABLE} (no connection, or the peer does not speak the
     * protocol) or {@code HANDLER} (the peer reset the stream without answering).
     */
    public CompletionStage<R> send(Swarm swarm, PeerId peer, Q request) {
        byte[] encoded;
        try {
            encoded = requests.encode(request);
        } catch (Exception e) {
            return CompletableFuture.<R>failedFuture(new StreamException(StreamException.Reason.CODEC,
                    "could not encode the request for " + protocolId + ": " + e.getMessage(), e)).minimalCompletionStage();
        }
        if (encoded.length > maxRequestSize) {
            return CompletableFuture.<R>failedFuture(new StreamException(StreamException.Reason.TOO_LARGE,
                    "request of " + encoded.length + " bytes exceeds the limit of " + maxRequestSize)).minimalCompletionStage();
        }
        CompletableFuture<ByteStream> opened = ByteStreams.open(swarm, peer, protocolId).toCompletableFuture();
        CompletableFuture<R> exchange = opened
                .thenCompose(stream -> stream.write(encoded).thenCompose(v -> stream.closeWrite())
                        .thenCompose(v -> stream.readToEnd(maxResponseSize)))
                .thenApply(bytes -> decodeResponse(peer, bytes));
        CompletableFuture<R> result = new CompletableFuture<>();
        exchange.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((response, error) -> {
            if (error == null) {
                result.complete(response);
                return;
            }
            // A response that comes after the deadline finds the stream reset and is dropped.
            opened.thenAccept(ByteStream::reset);
            result.completeExceptionally(clientFailure(peer, error));
        });
        return result.minimalCompletionStage();
    }

    private R decodeResponse(PeerId peer, byte[] bytes) {
        try {
            return responses.decode(bytes);
        } catch (Exception e) {
            throw new StreamException(StreamException.Reason.CODEC,
                    "could not decode the response of " + peer + " to " + protocolId + ": " + e.getMessage(), e);
        }
    }

    private StreamException clientFailure(PeerId peer, Throwable error) {
        Throwable cause = Futures.unwrap(error);
        if (cause instanceof TimeoutException) {
            return new StreamException(StreamException.Reason.TIMEOUT,
                    "no response from " + peer + " to " + protocolId + " within " + timeout.toMillis() + " ms");
        }
        if (cause instanceof StreamException stream) {
            if (stream.reason() == StreamException.Reason.RESET || stream.reason() == StreamException.Reason.CLOSED) {
                return new StreamException(StreamException.Reason.HANDLER,
                        peer + " reset " + protocolId + " without a response (its handler failed, or it refused the request)", stream);
            }
            return stream;
        }
        return new StreamException(StreamException.Reason.UNAVAILABLE, protocolId + " with " + peer + " failed: " + cause.getMessage(), cause);
    }

    /** Serves the protocol with {@code handler} on the default executor; register the result with the swarm. */
    public ProtocolHandler serve(Handler<Q, R> handler) {
        return ByteStreams.serve(protocolId, stream -> answer(stream, handler));
    }

    /** Serves the protocol with {@code handler} on {@code executor}. */
    public ProtocolHandler serve(Handler<Q, R> handler, Executor executor) {
        return ByteStreams.serve(protocolId, stream -> answer(stream, handler), executor);
    }

    private void answer(ByteStream stream, Handler<Q, R> handler) throws Exception {
        BlockingByteStream blocking = stream.blocking(timeout);
        byte[] bytes = blocking.readToEnd(maxRequestSize);
        Q request;
        try {
            request = requests.decode(bytes);
        } catch (Exception e) {
            throw new StreamException(StreamException.Reason.CODEC,
                    "could not decode a request from " + stream.remotePeer() + ": " + e.getMessage(), e);
        }
        R response = handler.handle(stream.remotePeer(), request);
        byte[] encoded = responses.encode(response);
        if (encoded.length > maxResponseSize) {
            throw new IllegalStateException("response of " + encoded.length + " bytes exceeds the limit of " + maxResponseSize);
        }
        blocking.write(encoded);
        blocking.closeWrite();
    }

    /** Limits and the timeout of a {@link RequestResponse}. */
    public static final class Builder<Q, R> {
        private final String protocolId;
        private final Codec<Q> requests;
        private final Codec<R> responses;
        private int maxRequestSize = DEFAULT_MAX_SIZE;
        private int maxResponseSize = DEFAULT_MAX_SIZE;
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder(String protocolId, Codec<Q> requests, Codec<R> responses) {
            this.protocolId = Objects.requireNonNull(protocolId, "protocolId");
            if (!protocolId.startsWith("/")) {
                throw new IllegalArgumentException("a protocol id starts with '/', got '" + protocolId + "'");
            }
            this.requests = Objects.requireNonNull(requests, "requests");
            this.responses = Objects.requireNonNull(responses, "responses");
        }

        /** The largest request a server reads (and a client sends). */
        public Builder<Q, R> maxRequestSize(int bytes) {
            this.maxRequestSize = positive(bytes, "maxRequestSize");
            return this;
        }

        /** The largest response a client reads (and a server sends). */
        public Builder<Q, R> maxResponseSize(int bytes) {
            this.maxResponseSize = positive(bytes, "maxResponseSize");
            return this;
        }

        /** The client's deadline for the whole exchange, and the server's for reading a request and writing its answer. */
        public Builder<Q, R> timeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        public RequestResponse<Q, R> build() {
            return new RequestResponse<>(this);
        }

        private static int positive(int value, String name) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be at least 1, got " + value);
            }
            return value;
        }
    }
}
