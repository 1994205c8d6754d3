package io.github.p2pboot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.kademlia.KademliaConfig;
import io.github.p2pboot.stream.RequestClient;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

/** Customizers for the configuration builders, the request client, and replaceable beans. */
class SpringConventionsTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(Libp2pAutoConfiguration.class, Libp2pActuatorAutoConfiguration.class))
            .withPropertyValues("libp2p.listen=/ip4/127.0.0.1/udp/0/quic-v1", "libp2p.identity.ephemeral=true");

    @Test
    void configurationCustomizersRunInOrderOnTheBuiltFromProperties() {
        runner.withPropertyValues("libp2p.connections.dial-stagger=100ms", "libp2p.kademlia.replication-factor=7")
                .withUserConfiguration(Customizers.class).run(context -> {
                    Swarm swarm = context.getBean(Swarm.class);
                    // The later customizer wins; the properties were applied before both.
                    assertThat(swarm.config().dialStagger()).isEqualTo(Duration.ofMillis(40));
                    assertThat(context.getBean(Kademlia.class).config().replicationFactor()).isEqualTo(7 + 1);
                });
    }

    /** A node from properties left at their defaults is the engine's default node: no drift. */
    @Test
    void propertyDefaultsAreTheEnginesDefaults() {
        runner.run(context -> {
            SwarmConfig config = context.getBean(Swarm.class).config();
            SwarmConfig engine = SwarmConfig.builder(config.hostKey()).build();
            assertThat(config.quic()).isEqualTo(engine.quic());
            assertThat(config.tcp()).isEqualTo(engine.tcp());
            assertThat(config.limits()).isEqualTo(engine.limits());
            assertThat(config.maxConnectionsPerPeer()).isEqualTo(engine.maxConnectionsPerPeer());
            assertThat(config.dialStagger()).isEqualTo(engine.dialStagger());
            assertThat(config.negotiationTimeout()).isEqualTo(engine.negotiationTimeout());
            assertThat(context.getBean(Kademlia.class).config()).isEqualTo(KademliaConfig.DEFAULTS);
        });
    }

    @Test
    void requestClientIsConfiguredFromProperties() {
        runner.run(context -> assertThat(context).hasSingleBean(RequestClient.class));
        runner.withPropertyValues("libp2p.client.max-attempts=0").run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new Libp2pFailureAnalyzer(null).analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("libp2p.client.max-attempts");
        });
    }

    @Test
    void replaceableBeansHavePublicConstructors() throws Exception {
        for (Class<?> type : new Class<?>[] {Libp2pHealthIndicator.class, Libp2pEndpoint.class, Libp2pMetrics.class,
                SwarmLifecycle.class, PeerConnectivity.class}) {
            assertThat(type.getConstructors()).as(type.getSimpleName()).isNotEmpty();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Customizers {

        @Bean
        @Order(2)
        SwarmConfigCustomizer later() {
            return builder -> builder.dialStagger(Duration.ofMillis(40));
        }

        @Bean
        @Order(1)
        SwarmConfigCustomizer earlier() {
            return builder -> builder.dialStagger(Duration.ofMillis(10));
        }

        @Bean
        KademliaConfigCustomizer kademlia() {
            return builder -> builder.replicationFactor(8);
        }
    }
}
