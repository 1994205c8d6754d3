package io.github.p2pboot.autoconfigure;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.springframework.retry.RetryContext;
import org.springframework.retry.backoff.BackOffContext;
import org.springframework.retry.backoff.BackOffInterruptedException;
import org.springframework.retry.backoff.BackOffPolicy;

/**
 * Exponential random back-off for spring-retry: the n-th wait is
 * {@code min(initial * multiplier^n, max)}, spread at random by {@code ±jitter} of itself so that
 * many nodes that lost the same bootstrap peer do not redial in step. spring-retry's own
 * {@code ExponentialRandomBackOffPolicy} only stretches waits upwards by up to the multiplier,
 * which is why the spread is a setting of its own here.
 */
final class JitteredExponentialBackOffPolicy implements BackOffPolicy {

    private final Libp2pSettings.ReconnectSettings settings;
    private final Consumer<Duration> beforeSleep;

    /**
     * @param beforeSleep told each wait before it starts, so that health can show the next attempt
     */
    JitteredExponentialBackOffPolicy(Libp2pSettings.ReconnectSettings settings, Consumer<Duration> beforeSleep) {
        this.settings = settings;
        this.beforeSleep = beforeSleep;
    }

    @Override
    public BackOffContext start(RetryContext context) {
        return new Attempts();
    }

    @Override
    public void backOff(BackOffContext backOffContext) throws BackOffInterruptedException {
        Duration wait = nextWait(((Attempts) backOffContext).count++);
        beforeSleep.accept(wait);
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackOffInterruptedException("reconnection stopped", e);
        }
    }

    /** The wait after the {@code attempt}-th failure (0-based). */
    Duration nextWait(int attempt) {
        double base = settings.initialBackoff().toMillis() * Math.pow(settings.multiplier(), attempt);
        double capped = Math.min(base, settings.maxBackoff().toMillis());
        double spread = capped * settings.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return Duration.ofMillis(Math.max(1, Math.round(capped + spread)));
    }

    private static final class Attempts implements BackOffContext {
        int count;
    }
}
