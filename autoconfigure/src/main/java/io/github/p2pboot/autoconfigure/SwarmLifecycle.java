package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.swarm.Swarm;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the swarm once the application context is refreshed and closes it, telling the peers,
 * when the context stops.
 */
public class SwarmLifecycle implements SmartLifecycle {

    private final Swarm swarm;

    public SwarmLifecycle(Swarm swarm) {
        this.swarm = swarm;
    }

    @Override
    public void start() {
        swarm.start();
    }

    @Override
    public void stop() {
        swarm.close();
    }

    @Override
    public boolean isRunning() {
        return swarm.isRunning();
    }
}
