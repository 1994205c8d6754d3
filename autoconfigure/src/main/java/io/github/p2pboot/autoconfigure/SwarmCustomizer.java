package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.swarm.Swarm;

/**
 * Called with the auto-configured {@link Swarm} before it starts: register protocols or
 * listeners. To change its configuration, declare a {@link SwarmConfigCustomizer} instead.
 */
@FunctionalInterface
public interface SwarmCustomizer {

    void customize(Swarm swarm);
}
