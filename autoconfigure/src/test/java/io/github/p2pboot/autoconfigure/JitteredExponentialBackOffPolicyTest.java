package io.github.p2pboot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.retry.policy.SimpleRetryPolicy;
import org.springframework.retry.support.RetryTemplate;

/** spring-retry 2.0 (built for Spring Framework 6.2) driving our back-off on Framework 7. */
class JitteredExponentialBackOffPolicyTest {

    private static final Libp2pSettings.ReconnectSettings SETTINGS =
            new Libp2pSettings.ReconnectSettings(Duration.ofMillis(10), 2.0, Duration.ofMillis(50), 0.2, 0);

    @Test
    void waitsGrowExponentiallyWithinTheJitterAndStopAtTheMaximum() {
        JitteredExponentialBackOffPolicy policy = new JitteredExponentialBackOffPolicy(SETTINGS, wait -> { });

        for (int i = 0; i < 100; i++) {
            assertThat(policy.nextWait(0).toMillis()).isBetween(8L, 12L);
            assertThat(policy.nextWait(2).toMillis()).isBetween(32L, 48L);
            assertThat(policy.nextWait(10).toMillis()).isBetween(40L, 60L);
        }
    }

    @Test
    void retryTemplateRetriesWithTheseWaitsUntilSuccess() throws Exception {
        List<Duration> waits = new ArrayList<>();
        RetryTemplate template = new RetryTemplate();
        template.setRetryPolicy(new SimpleRetryPolicy(5));
        template.setBackOffPolicy(new JitteredExponentialBackOffPolicy(SETTINGS, waits::add));
        AtomicInteger calls = new AtomicInteger();

        String result = template.execute(context -> {
            if (calls.incrementAndGet() < 4) {
                throw new IllegalStateException("peer not back yet");
            }
            return "connected";
        });

        assertThat(result).isEqualTo("connected");
        assertThat(calls.get()).isEqualTo(4);
        assertThat(waits).hasSize(3);
        assertThat(waits.get(2)).isGreaterThan(waits.get(0));
    }
}
