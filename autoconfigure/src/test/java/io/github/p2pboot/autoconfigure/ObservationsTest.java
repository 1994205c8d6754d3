package io.github.p2pboot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.stream.Codec;
import io.github.p2pboot.stream.RequestClient;
import io.github.p2pboot.stream.RequestResponse;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Observations and meters of dials and streams, with a real peer: a second swarm the node dials
 * and sends a request to.
 */
class ObservationsTest {

    private static final RequestResponse<String, String> ECHO = RequestResponse.of("/test/echo/1.0.0", Codec.utf8(), Codec.utf8()).build();

    @Test
    void dialsAndStreamsAreObservedAndMetered() {
        Swarm peer = new Swarm(SwarmConfig.builder(io.github.p2pboot.identity.PrivateKey.generateEd25519())
                .listen("/ip4/127.0.0.1/udp/0/quic-v1").ioThreads(1).build());
        peer.registerProtocol(ECHO.serve((from, text) -> text));
        peer.start();
        try {
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(Libp2pAutoConfiguration.class, Libp2pActuatorAutoConfiguration.class))
                    .withPropertyValues("libp2p.listen=/ip4/127.0.0.1/udp/0/quic-v1", "libp2p.identity.ephemeral=true")
                    .withUserConfiguration(Registries.class).run(context -> {
                        assertThat(context).hasSingleBean(Libp2pObservations.class);
                        Swarm swarm = context.getBean(Swarm.class);
                        swarm.peerStore().addAddresses(peer.localPeerId(), java.util.List.of(peer.listenAddresses().get(0)));
                        assertThat(context.getBean(RequestClient.class).send(peer.localPeerId(), ECHO, "hi")).isEqualTo("hi");
                        context.getBean(io.github.p2pboot.kademlia.Kademlia.class).findClosestPeers(new byte[32])
                                .get(20, java.util.concurrent.TimeUnit.SECONDS);
                        MeterRegistry meters = context.getBean(MeterRegistry.class);
                        assertThat(meters.get("libp2p.kademlia.query").tag("type", "find_node").timer().count()).isGreaterThanOrEqualTo(1);
                        // DefaultMeterObservationHandler turns the observations into timers.
                        await().atMost(Duration.ofSeconds(10)).until(() -> meters.find("libp2p.stream").tag("protocol", ECHO.protocolId())
                                .tag("direction", "outbound").timer() != null);
                        assertThat(meters.get("libp2p.dial").tag("outcome", "success").timer().count()).isEqualTo(1);
                        assertThat(meters.get("libp2p.dial.latency").tag("outcome", "success").timer().count()).isEqualTo(1);
                        assertThat(meters.get("libp2p.transport.bytes").tag("transport", "quic-v1").tag("direction", "received")
                                .functionCounter().count()).isGreaterThan(1000);
                        assertThat(meters.get("libp2p.transport.bytes").tag("transport", "quic-v1").tag("direction", "sent")
                                .functionCounter().count()).isGreaterThan(1000);
                        assertThat(meters.get("libp2p.transport.bytes").tag("transport", "tcp").tag("direction", "sent")
                                .functionCounter().count()).isZero();
                        assertThat(meters.get("libp2p.streams").tag("protocol", ECHO.protocolId()).tag("direction", "outbound")
                                .counter().count()).isEqualTo(1);
                    });
        } finally {
            peer.close();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Registries {

        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        ObservationRegistry observationRegistry(MeterRegistry meters) {
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
            return registry;
        }

        @Bean
        io.micrometer.core.instrument.binder.MeterBinder bindLibp2p(Libp2pMetrics metrics, MeterRegistry meters) {
            metrics.bindTo(meters);
            return registry -> { };
        }
    }
}
