package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.swarm.SwarmConfig;

/**
 * Changes the engine configuration built from {@code libp2p.*} before the {@link io.github.p2pboot.swarm.Swarm}
 * is made: settings the properties do not cover, such as a resource manager's limits computed at
 * start-up. Declare beans of this type; they run in {@link org.springframework.core.annotation.Order} order.
 */
@FunctionalInterface
public interface SwarmConfigCustomizer {

    void customize(SwarmConfig.Builder builder);
}
