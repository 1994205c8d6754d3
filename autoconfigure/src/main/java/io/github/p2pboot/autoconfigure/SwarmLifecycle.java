package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.swarm.ListenException;
import io.github.p2pboot.swarm.Swarm;
import java.util.List;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the node once the application context is refreshed (Kademlia, listening, then joining
 * through the bootstrap peers) and stops it gracefully when the context closes: reconnection stops first, then
 * every peer is told its connection closes.
 *
 * <p>Its {@link #PHASE} puts it below Spring Boot's web server: the node is up before the server
 * takes requests, and it stops only after the server's graceful shutdown has drained the requests
 * in flight, which may need peers to complete.
 */
public class SwarmLifecycle implements SmartLifecycle {

    /**
     * Below Spring Boot's web server ({@code DEFAULT_PHASE - 2048}) and its graceful shutdown
     * ({@code DEFAULT_PHASE - 1024}): started before them, stopped after them.
     */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private final Swarm swarm;
    private final Kademlia kademlia;
    private final PeerConnectivity connectivity;
    private final boolean dialOnStart;
    private final List<String> listenProperty;

    public SwarmLifecycle(Swarm swarm, Kademlia kademlia, PeerConnectivity connectivity, boolean dialOnStart, List<String> listenProperty) {
        this.swarm = swarm;
        this.kademlia = kademlia;
        this.connectivity = connectivity;
        this.dialOnStart = dialOnStart;
        this.listenProperty = List.copyOf(listenProperty);
    }

    @Override
    public void start() {
        // Kademlia first, so that the first identify already advertises the DHT protocol.
        kademlia.start();
        try {
            swarm.start();
        } catch (ListenException e) {
            // The engine's listen addresses are libp2p.listen's entries, in order.
            boolean fromProperty = e.index() < listenProperty.size();
            throw new Libp2pConfigurationException(fromProperty ? "libp2p.listen[" + e.index() + "]" : "libp2p.listen",
                    fromProperty ? listenProperty.get(e.index()) : e.address(), e.getMessage(),
                    "Another process uses that port (a second node on this machine needs ports of its own): stop it, "
                            + "or choose another port in libp2p.listen (0 picks a free one).", e);
        }
        connectivity.start(dialOnStart);
    }

    @Override
    public void stop() {
        connectivity.stop();
        // The swarm before Kademlia: Kademlia unregistering its protocol from a running swarm
        // pushes identify to every peer, and that data, queued just before the QUIC close, can
        // take the send window the CONNECTION_CLOSE needs (Netty 4.2.18 frees the connection
        // right after), so a peer would miss the close and wait out its pings instead.
        swarm.close();
        kademlia.close();
    }

    @Override
    public boolean isRunning() {
        return swarm.isRunning();
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
