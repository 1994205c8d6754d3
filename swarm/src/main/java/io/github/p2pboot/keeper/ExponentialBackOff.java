package io.github.p2pboot.keeper;

import io.github.p2pboot.identity.PeerId;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** The engine's own {@link ReconnectBackOff}: exponential, capped, with a random spread. */
final class ExponentialBackOff implements ReconnectBackOff {

    private final Duration initial;
    private final double multiplier;
    private final Duration max;
    private final double jitter;
    private final int maxAttempts;

    ExponentialBackOff(Duration initial, double multiplier, Duration max, double jitter, int maxAttempts) {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("back-off needs 0 < initial <= max, got initial " + initial + ", max " + max);
        }
        if (multiplier < 1.0) {
            throw new IllegalArgumentException("back-off multiplier must be at least 1.0, got " + multiplier);
        }
        if (jitter < 0.0 || jitter >= 1.0) {
            throw new IllegalArgumentException("back-off jitter must be in [0, 1), got " + jitter);
        }
        if (maxAttempts < 0) {
            throw new IllegalArgumentException("maxAttempts must not be negative, got " + maxAttempts);
        }
        this.initial = initial;
        this.multiplier = multiplier;
        this.max = max;
        this.jitter = jitter;
        this.maxAttempts = maxAttempts;
    }

    @Override
    public Schedule start(PeerId peer) {
        return new Schedule() {
            private int failures;

            @Override
            public Optional<Duration> next(Throwable failure) {
                failures++;
                if (maxAttempts > 0 && failures >= maxAttempts) {
                    return Optional.empty();
                }
                return Optional.of(waitAfter(failures - 1));
            }
        };
    }

    /** The wait after the {@code attempt}-th failure (0-based). */
    Duration waitAfter(int attempt) {
        return ReconnectBackOff.exponentialWait(initial, multiplier, max, jitter, attempt);
    }
}
