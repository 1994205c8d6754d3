package io.github.p2pboot.stream;

import io.github.p2pboot.swarm.Futures;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.swarm.Swarm;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Sends requests of {@link RequestResponse} protocols to peers by id, as Spring's {@code RestClient}
 * does for HTTP: the swarm dials the peer if it has no connection, and a request whose stream could
 * not be opened ({@link StreamException.Reason#UNAVAILABLE}: no connection, or the peer does not
 * speak the protocol yet) is tried again, up to {@code maxAttempts} in all, {@code retryDelay}
 * apart. Nothing else is retried: a request that reached the peer may have had its effect.
 */
public final class RequestClient {

    private final Swarm swarm;
    private final int maxAttempts;
    private final Duration retryDelay;

    public RequestClient(Swarm swarm, int maxAttempts, Duration retryDelay) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
        if (retryDelay == null || retryDelay.isNegative()) {
            throw new IllegalArgumentException("retryDelay must not be negative, got " + retryDelay);
        }
        this.swarm = swarm;
        this.maxAttempts = maxAttempts;
        this.retryDelay = retryDelay;
    }

    /** A client that tries each request up to 3 times, 200 ms apart, while its stream cannot be opened. */
    public RequestClient(Swarm swarm) {
        this(swarm, 3, Duration.ofMillis(200));
    }

    /** Sends {@code request} and completes with the response, or fails with a {@link StreamException}. */
    public <Q, R> CompletionStage<R> sendAsync(PeerId peer, RequestResponse<Q, R> protocol, Q request) {
        CompletableFuture<R> result = new CompletableFuture<>();
        attempt(peer, protocol, request, 1, result);
        return result.minimalCompletionStage();
    }

    private <Q, R> void attempt(PeerId peer, RequestResponse<Q, R> protocol, Q request, int attempt, CompletableFuture<R> result) {
        protocol.send(swarm, peer, request).whenComplete((response, error) -> {
            if (error == null) {
                result.complete(response);
                return;
            }
            Throwable cause = Futures.unwrap(error);
            boolean retry = cause instanceof StreamException stream && stream.reason() == StreamException.Reason.UNAVAILABLE
                    && attempt < maxAttempts && swarm.isRunning();
            if (!retry) {
                result.completeExceptionally(cause);
                return;
            }
            CompletableFuture.delayedExecutor(retryDelay.toNanos(), TimeUnit.NANOSECONDS)
                    .execute(() -> attempt(peer, protocol, request, attempt + 1, result));
        });
    }

    /**
     * Sends {@code request} and waits for the response (the protocol's timeout per attempt). Call
     * off the event loops, e.g. from a web request's thread.
     *
     * @throws StreamException saying why there is no response
     */
    public <Q, R> R send(PeerId peer, RequestResponse<Q, R> protocol, Q request) {
        if (Thread.currentThread() instanceof FastThreadLocalThread) {
            throw new IllegalStateException("send would block a Netty event loop; use sendAsync there");
        }
        long budgetNanos = protocol.timeout().plus(retryDelay).toNanos() * maxAttempts + TimeUnit.SECONDS.toNanos(1);
        try {
            return sendAsync(peer, protocol, request).toCompletableFuture().get(budgetNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw BlockingByteStream.StreamFailures.unwrap(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StreamException(StreamException.Reason.CLOSED, "interrupted while waiting for " + protocol.protocolId(), e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new StreamException(StreamException.Reason.TIMEOUT, "no response from " + peer + " to " + protocol.protocolId());
        }
    }
}
