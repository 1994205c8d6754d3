package io.github.p2pboot.stream;

import io.github.p2pboot.swarm.Futures;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.ProtocolHandler;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.swarm.Swarm;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry points of the stream API: open a {@link ByteStream} to a peer, or serve a protocol with a
 * {@link StreamHandler}.
 *
 * <pre>{@code
 * swarm.registerProtocol(ByteStreams.serve("/echo/1.0.0", stream -> {
 *     BlockingByteStream s = stream.blocking();
 *     s.write(s.readToEnd(64 * 1024));
 * }));
 * byte[] echoed = ByteStreams.open(swarm, peer, "/echo/1.0.0").thenCompose(stream -> stream.write(hello)
 *         .thenCompose(v -> stream.closeWrite()).thenCompose(v -> stream.readToEnd(64 * 1024)))
 *         .toCompletableFuture().join();
 * }</pre>
 */
public final class ByteStreams {

    private static final Logger log = LoggerFactory.getLogger(ByteStreams.class);

    private ByteStreams() {
    }

    /** Opens a stream to {@code peer} for {@code protocolId}, dialling the peer if need be. */
    public static CompletionStage<ByteStream> open(Swarm swarm, PeerId peer, String protocolId) {
        return attach(swarm.newStream(peer, protocolId));
    }

    /** Opens a stream for {@code protocolId} on {@code connection}. */
    public static CompletionStage<ByteStream> open(Connection connection, String protocolId) {
        return attach(connection.newStream(protocolId));
    }

    private static CompletionStage<ByteStream> attach(CompletableFuture<Stream> opening) {
        CompletableFuture<ByteStream> result = new CompletableFuture<>();
        opening.whenComplete((stream, error) -> {
            if (error != null) {
                Throwable cause = Futures.unwrap(error);
                result.completeExceptionally(new StreamException(StreamException.Reason.UNAVAILABLE,
                        "could not open the stream: " + cause.getMessage(), cause));
                return;
            }
            // Chained before negotiation ended, this runs on the stream's loop as it ends: attached
            // at once, the ByteStream gets the bytes the peer sent right after its answer.
            if (stream.channel().eventLoop().inEventLoop()) {
                result.complete(ChannelByteStream.attach(stream));
            } else {
                stream.channel().eventLoop().execute(() -> result.complete(ChannelByteStream.attach(stream)));
            }
        });
        return result.minimalCompletionStage();
    }

    /**
     * Serves {@code protocolId} with {@code handler} on the default executor: a virtual thread per
     * stream where the JDK has them, else a bounded pool. Register the result with
     * {@link Swarm#registerProtocol}, or declare it as a bean for the starter to register.
     */
    public static ProtocolHandler serve(String protocolId, StreamHandler handler) {
        return serve(protocolId, handler, HandlerExecutors.defaultExecutor());
    }

    /** Serves {@code protocolId} with {@code handler}, run on {@code executor}. */
    public static ProtocolHandler serve(String protocolId, StreamHandler handler, Executor executor) {
        Objects.requireNonNull(protocolId, "protocolId");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(executor, "executor");
        if (!protocolId.startsWith("/")) {
            throw new IllegalArgumentException("a protocol id starts with '/', got '" + protocolId + "'");
        }
        return new ProtocolHandler() {
            @Override
            public String protocolId() {
                return protocolId;
            }

            @Override
            public void handleStream(Stream stream) {
                ChannelByteStream byteStream = ChannelByteStream.attach(stream);
                try {
                    executor.execute(() -> run(handler, byteStream));
                } catch (RejectedExecutionException e) {
                    log.debug("No thread to serve {} from {}: resetting the stream", protocolId, stream.remotePeer());
                    byteStream.reset();
                }
            }

            @Override
            public String toString() {
                return protocolId + " served by " + handler;
            }
        };
    }

    private static void run(StreamHandler handler, ChannelByteStream stream) {
        try {
            handler.handle(stream);
            stream.closeWrite();
        } catch (StreamException e) {
            // The stream failed under the handler (the peer reset it, a deadline passed): the peer's doing.
            log.debug("{}: {}", stream, e.getMessage());
            stream.reset();
        } catch (Exception | Error e) {
            log.debug("Handler of {} failed; resetting the stream", stream, e);
            HandlerFailures.report(stream.protocol(), e);
            stream.reset();
            if (e instanceof Error error && !(e instanceof AssertionError)) {
                throw error;
            }
        }
    }
}
