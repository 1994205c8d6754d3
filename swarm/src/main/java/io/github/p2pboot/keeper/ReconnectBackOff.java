package io.github.p2pboot.keeper;

import io.github.p2pboot.identity.PeerId;
import java.time.Duration;
import java.util.Optional;

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
}
