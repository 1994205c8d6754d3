package io.github.p2pboot.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.swarm.Swarm;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The node outlives the web server's graceful shutdown: requests still draining when the
 * application stops can reach peers. A probe in the graceful-shutdown phase sees the node running
 * when it starts (the node is up before the server takes requests) and when it stops.
 */
class ShutdownOrderIT {

    static final AtomicReference<Boolean> runningAtProbeStart = new AtomicReference<>();
    static final AtomicReference<Boolean> runningAtProbeStop = new AtomicReference<>();

    @TempDir
    Path dir;

    @Test
    void nodeStopsAfterTheWebServerHasDrained() {
        ConfigurableApplicationContext app = new SpringApplicationBuilder(SampleApplication.class, Probe.class).run("--server.port=0",
                "--libp2p.identity.ephemeral=true", "--libp2p.listen=/ip4/127.0.0.1/udp/0/quic-v1");
        Swarm swarm = app.getBean(Swarm.class);
        app.close();
        assertThat(runningAtProbeStart.get()).isTrue();
        assertThat(runningAtProbeStop.get()).isTrue();
        assertThat(swarm.isRunning()).isFalse();
    }

    @Configuration(proxyBeanMethods = false)
    static class Probe {

        @Bean
        SmartLifecycle gracefulShutdownPhaseProbe(Swarm swarm) {
            return new SmartLifecycle() {
                private volatile boolean running;

                @Override
                public void start() {
                    runningAtProbeStart.set(swarm.isRunning());
                    running = true;
                }

                @Override
                public void stop() {
                    runningAtProbeStop.set(swarm.isRunning());
                    running = false;
                }

                @Override
                public boolean isRunning() {
                    return running;
                }

                @Override
                public int getPhase() {
                    return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE;
                }
            };
        }
    }
}
