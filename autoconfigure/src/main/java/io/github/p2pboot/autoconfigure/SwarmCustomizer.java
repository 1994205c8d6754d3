package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.swarm.Swarm;

/**
 * Called with the auto-configured {@link Swarm} before it starts: register protocols or
 * listeners, or anything else the properties do not cover.
 */
@FunctionalInterface
public interface SwarmCustomizer {

    void customize(Swarm swarm);
}
