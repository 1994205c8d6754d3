package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.keeper.ReconnectBackOff;
import java.time.Duration;
import org.springframework.retry.RetryContext;
import org.springframework.retry.backoff.BackOffContext;
import org.springframework.retry.backoff.BackOffInterruptedException;
import org.springframework.retry.backoff.Sleeper;
import org.springframework.retry.backoff.SleepingBackOffPolicy;
import org.springframework.retry.backoff.ThreadWaitSleeper;

/**
 * Exponential random back-off for spring-retry, with the engine's waits
 * ({@link ReconnectBackOff#exponentialWait}): the n-th wait is
 * {@code min(initial * multiplier^n, max)}, spread at random by {@code ±jitter} of itself so that
 * many nodes that lost the same bootstrap peer do not redial in step. spring-retry's own
 * {@code ExponentialRandomBackOffPolicy} only stretches waits upwards by up to the multiplier,
 * which is why the spread is a setting of its own here.
 */
final class JitteredExponentialBackOffPolicy implements SleepingBackOffPolicy<JitteredExponentialBackOffPolicy> {

    private final Libp2pSettings.ReconnectSettings settings;
    private final Sleeper sleeper;

    JitteredExponentialBackOffPolicy(Libp2pSettings.ReconnectSettings settings) {
        this(settings, new ThreadWaitSleeper());
    }

    private JitteredExponentialBackOffPolicy(Libp2pSettings.ReconnectSettings settings, Sleeper sleeper) {
        this.settings = settings;
        this.sleeper = sleeper;
    }

    @Override
    public JitteredExponentialBackOffPolicy withSleeper(Sleeper sleeper) {
        return new JitteredExponentialBackOffPolicy(settings, sleeper);
    }

    @Override
    public BackOffContext start(RetryContext context) {
        return new Attempts();
    }

    @Override
    public void backOff(BackOffContext backOffContext) throws BackOffInterruptedException {
        Duration wait = nextWait(((Attempts) backOffContext).count++);
        try {
            sleeper.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackOffInterruptedException("reconnection stopped", e);
        }
    }

    /** The wait after the {@code attempt}-th failure (0-based). */
    Duration nextWait(int attempt) {
        return ReconnectBackOff.exponentialWait(settings.initialBackoff(), settings.multiplier(), settings.maxBackoff(),
                settings.jitter(), attempt);
    }

    private static final class Attempts implements BackOffContext {
        int count;
    }
}
