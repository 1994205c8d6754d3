package io.github.p2pboot.swarm;

import java.util.concurrent.CompletionException;

/** Small helpers for {@code CompletableFuture} chains. */
public final class Futures {

    private Futures() {
    }

    /** The error a stage failed with, without the {@link CompletionException} that chaining wraps it in. */
    public static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
