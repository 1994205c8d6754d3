package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.swarm.Swarm;
import java.io.UncheckedIOException;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the node once the application context is refreshed (Kademlia, listening, then joining
 * through the bootstrap peers) and stops it gracefully when the context closes: reconnection stops first, then
 * every peer is told its connection closes.
 */
public class SwarmLifecycle implements SmartLifecycle {

    private final Swarm swarm;
    private final Kademlia kademlia;
    private final PeerConnectivity connectivity;
    private final boolean dialOnStart;
    private final java.util.List<String> listenProperty;

    SwarmLifecycle(Swarm swarm, Kademlia kademlia, PeerConnectivity connectivity, boolean dialOnStart, java.util.List<String> listenProperty) {
        this.swarm = swarm;
        this.kademlia = kademlia;
        this.connectivity = connectivity;
        this.dialOnStart = dialOnStart;
        this.listenProperty = listenProperty;
    }

    @Override
    public void start() {
        // Kademlia first, so that the first identify already advertises the DHT protocol.
        kademlia.start();
        try {
            swarm.start();
        } catch (UncheckedIOException e) {
            throw new Libp2pConfigurationException("libp2p.listen", listenProperty, e.getMessage(),
                    "Another process uses that port: stop it, or choose another port in libp2p.listen (0 picks a free one).", e);
        }
        connectivity.start(dialOnStart);
    }

    @Override
    public void stop() {
        connectivity.stop();
        kademlia.close();
        swarm.close();
    }

    @Override
    public boolean isRunning() {
        return swarm.isRunning();
    }
}
