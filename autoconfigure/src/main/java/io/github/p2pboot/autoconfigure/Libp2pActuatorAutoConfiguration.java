package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.swarm.Swarm;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The node's health indicator, actuator endpoint, meters and observations, each when its library is present. */
@AutoConfiguration(after = Libp2pAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnBean({Swarm.class, Kademlia.class, PeerConnectivity.class})
public class Libp2pActuatorAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("libp2p")
    static class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "libp2pHealthIndicator")
        Libp2pHealthIndicator libp2pHealthIndicator(Swarm swarm, Kademlia kademlia, PeerConnectivity connectivity, Libp2pProperties properties) {
            return new Libp2pHealthIndicator(swarm, kademlia, connectivity, Libp2pSettings.insufficientStatus(properties.getHealth()));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Endpoint.class)
    @ConditionalOnAvailableEndpoint(Libp2pEndpoint.class)
    static class EndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean
        Libp2pEndpoint libp2pEndpoint(Swarm swarm, Kademlia kademlia, PeerConnectivity connectivity) {
            return new Libp2pEndpoint(swarm, kademlia, connectivity);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(io.micrometer.observation.ObservationRegistry.class)
    @ConditionalOnBean(io.micrometer.observation.ObservationRegistry.class)
    static class ObservationConfiguration {

        @Bean
        @ConditionalOnMissingBean
        Libp2pObservations libp2pObservations(Swarm swarm, Kademlia kademlia, io.micrometer.observation.ObservationRegistry registry) {
            return new Libp2pObservations(swarm, kademlia, registry);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterBinder.class)
    static class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        Libp2pMetrics libp2pMetrics(Swarm swarm, Kademlia kademlia, PeerConnectivity connectivity) {
            return new Libp2pMetrics(swarm, kademlia, connectivity);
        }
    }
}
