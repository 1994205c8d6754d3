package io.github.p2pboot.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ResetRateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final ResetRateLimiter limiter = new ResetRateLimiter(now::get);

    @Test
    void oneHostGetsItsBurstThenItsRate() throws Exception {
        InetAddress host = InetAddress.getByName("127.0.0.1");

        assertThat(granted(host, 1000)).isEqualTo((int) ResetRateLimiter.PER_HOST_BURST);
        now.addAndGet(1_000_000_000L);
        assertThat(granted(host, 1000)).isEqualTo((int) ResetRateLimiter.PER_HOST_BURST);
        now.addAndGet(100_000_000L);
        assertThat(granted(host, 1000)).isEqualTo(1);
    }

    @Test
    void manyHostsShareTheGlobalBudgetAndTheTableStaysBounded() throws Exception {
        int granted = 0;
        for (int i = 0; i < 20_000; i++) {
            InetAddress host = InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
            if (limiter.tryAcquire(host)) {
                granted++;
            }
        }

        assertThat(granted).isEqualTo((int) ResetRateLimiter.GLOBAL_BURST);
        assertThat(limiter.trackedHosts()).isLessThanOrEqualTo(ResetRateLimiter.MAX_HOSTS);
    }

    private int granted(InetAddress host, int attempts) {
        int granted = 0;
        for (int i = 0; i < attempts; i++) {
            if (limiter.tryAcquire(host)) {
                granted++;
            }
        }
        return granted;
    }
}
