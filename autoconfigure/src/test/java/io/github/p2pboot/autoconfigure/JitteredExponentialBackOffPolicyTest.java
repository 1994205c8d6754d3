package io.github.p2pboot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.keeper.ReconnectBackOff;
import java.time.Duration;
import java.util.Optional;
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
        JitteredExponentialBackOffPolicy policy = new JitteredExponentialBackOffPolicy(SETTINGS);

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
        template.setBackOffPolicy(new JitteredExponentialBackOffPolicy(SETTINGS).withSleeper(ms -> waits.add(Duration.ofMillis(ms))));
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

    @Test
    void springRetryDrivesThePeerKeepersBackOffWithoutSleeping() {
        Libp2pSettings.ReconnectSettings slow = new Libp2pSettings.ReconnectSettings(Duration.ofSeconds(10), 2.0, Duration.ofSeconds(60), 0.2, 0);
        SpringRetryBackOff backOff = new SpringRetryBackOff(new SimpleRetryPolicy(3), new JitteredExponentialBackOffPolicy(slow));
        ReconnectBackOff.Schedule schedule = backOff.start(PeerId.fromPublicKey(PrivateKey.generateEd25519().publicKey()));
        IllegalStateException failure = new IllegalStateException("unreachable");

        long start = System.nanoTime();
        Optional<Duration> first = schedule.next(failure);
        Optional<Duration> second = schedule.next(failure);
        Optional<Duration> third = schedule.next(failure);

        assertThat(first).hasValueSatisfying(wait -> assertThat(wait.toMillis()).isBetween(8_000L, 12_000L));
        assertThat(second).hasValueSatisfying(wait -> assertThat(wait.toMillis()).isBetween(16_000L, 24_000L));
        // SimpleRetryPolicy(3): three failed attempts, then it gives up.
        assertThat(third).isEmpty();
        // The waits (at least 24 s) are the keeper's to schedule: nothing slept here.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
}
