package io.github.p2pboot.keeper;

import io.github.p2pboot.identity.PeerId;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long the {@link PeerKeeper} waits between failed dials to one peer, and when it gives up.
 * Pluggable: the Spring Boot starter plugs in a spring-retry policy; {@link #exponential} is the
 * engine's own.
 *
 * <p>The first redial after a connection was found dead goes out at once; a schedule is only asked
 * after a dial failed.
 */
@FunctionalInterface
public interface ReconnectBackOff {

    /** Starts a run of failures for {@code peer}; the keeper starts a new one once it reconnects. */
    Schedule start(PeerId peer);

    /** One peer's run of failed dials. Used from one thread at a time. */
    interface Schedule {
        /**
         * Called after each failed dial.
         *
         * @return how long to wait before the next dial, or empty to stop trying
         */
        Optional<Duration> next(Throwable failure);
    }

    /**
     * The n-th wait is {@code min(initial * multiplier^n, max)}, spread at random by
     * {@code ±jitter} of itself so that many nodes that lost the same peer do not redial in step.
     *
     * @param maxAttempts failed dials before giving up; 0 never gives up
     */
    static ReconnectBackOff exponential(Duration initial, double multiplier, Duration max, double jitter, int maxAttempts) {
        return new ExponentialBackOff(initial, multiplier, max, jitter, maxAttempts);
    }

    /**
     * The wait {@link #exponential} uses after the {@code attempt}-th failure (0-based):
     * {@code min(initial * multiplier^attempt, max)}, spread at random by {@code ±jitter} of itself;
     * at least 1 ms. For other back-off machinery (the starter's spring-retry policy) that should
     * wait the same.
     */
    static Duration exponentialWait(Duration initial, double multiplier, Duration max, double jitter, int attempt) {
        double base = initial.toMillis() * Math.pow(multiplier, attempt);
        double capped = Math.min(base, max.toMillis());
        double spread = capped * jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return Duration.ofMillis(Math.max(1, Math.round(capped + spread)));
    }
}
