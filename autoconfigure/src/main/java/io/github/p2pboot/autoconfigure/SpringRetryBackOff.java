package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.keeper.PeerKeeper;
import io.github.p2pboot.keeper.ReconnectBackOff;
import java.time.Duration;
import java.util.Optional;
import org.springframework.retry.RetryContext;
import org.springframework.retry.RetryPolicy;
import org.springframework.retry.backoff.BackOffContext;
import org.springframework.retry.backoff.SleepingBackOffPolicy;

/**
 * spring-retry driving the {@link PeerKeeper}'s back-off: a {@link RetryPolicy} decides whether a
 * peer is dialled again, and a {@link SleepingBackOffPolicy} how long to wait first. The keeper
 * never blocks a thread on the wait: the policy's sleeper records it, and the keeper schedules the
 * next dial for then.
 *
 * <p>Declare a bean of this type (or of {@link ReconnectBackOff}) to replace the one built from
 * {@code libp2p.reconnect.*}, e.g. with spring-retry's {@code ExponentialRandomBackOffPolicy}.
 */
public class SpringRetryBackOff implements ReconnectBackOff {

    private final RetryPolicy retryPolicy;
    private final SleepingBackOffPolicy<?> backOffPolicy;

    public SpringRetryBackOff(RetryPolicy retryPolicy, SleepingBackOffPolicy<?> backOffPolicy) {
        this.retryPolicy = retryPolicy;
        this.backOffPolicy = backOffPolicy;
    }

    @Override
    public Schedule start(PeerId peer) {
        RetryContext context = retryPolicy.open(null);
        long[] recordedWait = new long[1];
        SleepingBackOffPolicy<?> recording = backOffPolicy.withSleeper(wait -> recordedWait[0] = wait);
        BackOffContext backOffContext = recording.start(context);
        return failure -> {
            retryPolicy.registerThrowable(context, failure);
            if (!retryPolicy.canRetry(context)) {
                retryPolicy.close(context);
                return Optional.empty();
            }
            recordedWait[0] = 0;
            recording.backOff(backOffContext);
            return Optional.of(Duration.ofMillis(Math.max(0, recordedWait[0])));
        };
    }
}
