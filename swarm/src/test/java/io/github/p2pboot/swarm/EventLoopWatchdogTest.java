package io.github.p2pboot.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EventLoopWatchdogTest {

    @Test
    void aBlockedEventLoopIsReportedOnceAndHealthyOnesAreNot() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        LinkedBlockingQueue<Integer> reported = new LinkedBlockingQueue<>();
        CountDownLatch release = new CountDownLatch(1);
        try (EventLoopWatchdog watchdog = new EventLoopWatchdog(group, reported::add, Duration.ofMillis(50), Duration.ofMillis(300))) {
            // Healthy for a while: several checks pass.
            assertThat(reported.poll(500, TimeUnit.MILLISECONDS)).isNull();
            assertThat(watchdog.anyUnresponsive()).isFalse();

            group.next().execute(() -> {
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Integer index = reported.poll(5, TimeUnit.SECONDS);
            assertThat(index).isNotNull().isBetween(0, 1);
            assertThat(watchdog.anyUnresponsive()).isTrue();
            assertThat(reported.poll(500, TimeUnit.MILLISECONDS)).as("told once").isNull();
        } finally {
            release.countDown();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
