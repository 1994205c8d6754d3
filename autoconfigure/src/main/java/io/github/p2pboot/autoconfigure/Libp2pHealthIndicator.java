package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.Swarm;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * {@code /actuator/health/libp2p}: UP while the node has at least {@code libp2p.health.min-peers}
 * connected peers, else the configured status (DOWN by default). Details say why: the counts,
 * which bootstrap peers are connected, whether a reconnection is running and when it tries next,
 * and the last error. DOWN, whatever the peers, once an event loop stopped running tasks. Never
 * the private key.
 */
public class Libp2pHealthIndicator implements HealthIndicator {

    private final Swarm swarm;
    private final Kademlia kademlia;
    private final PeerConnectivity connectivity;
    private final Status insufficientStatus;

    public Libp2pHealthIndicator(Swarm swarm, Kademlia kademlia, PeerConnectivity connectivity, String insufficientStatus) {
        this.swarm = swarm;
        this.kademlia = kademlia;
        this.connectivity = connectivity;
        this.insufficientStatus = new Status(insufficientStatus);
    }

    @Override
    public Health health() {
        int connected = swarm.connectedPeers().size();
        Health.Builder health = swarm.isImpaired() ? Health.down()
                : connected >= connectivity.minPeers() ? Health.up() : Health.status(insufficientStatus);
        health.withDetail("peerId", swarm.localPeerId().toString())
                .withDetail("connectedPeers", connected)
                .withDetail("minPeers", connectivity.minPeers())
                .withDetail("routingTableSize", kademlia.routingTableSize())
                .withDetail("listenAddresses", swarm.listenAddresses().stream().map(Multiaddr::toString).toList())
                .withDetail("bootstrapPeersConnected", connectivity.bootstrapPeersConnected() + "/" + connectivity.bootstrapPeerCount())
                .withDetail("reconnecting", connectivity.isReconnecting());
        if (swarm.isImpaired()) {
            health.withDetail("eventLoops", "an event loop stopped running tasks (thread died or blocked): restart the node");
        }
        connectivity.nextAttempt().ifPresent(next -> health.withDetail("nextAttempt", next.toString()));
        connectivity.lastError().ifPresent(error -> health.withDetail("lastError", error));
        return health.build();
    }
}
