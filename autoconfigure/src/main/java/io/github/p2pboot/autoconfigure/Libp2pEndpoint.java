package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.kademlia.StoreUsage;
import io.github.p2pboot.peerstore.PeerStoreUsage;
import io.github.p2pboot.resource.ResourceLimits;
import io.github.p2pboot.resource.ResourceManager;
import io.github.p2pboot.resource.ResourceUsage;
import io.github.p2pboot.keeper.KeptPeerStatus;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/** {@code /actuator/libp2p}: the node's identity, addresses, connections and routing table. Read-only. */
@Endpoint(id = "libp2p")
public class Libp2pEndpoint {

    private final Swarm swarm;
    private final Kademlia kademlia;
    private final PeerConnectivity connectivity;

    public Libp2pEndpoint(Swarm swarm, Kademlia kademlia, PeerConnectivity connectivity) {
        this.swarm = swarm;
        this.kademlia = kademlia;
        this.connectivity = connectivity;
    }

    @ReadOperation
    public Map<String, Object> node() {
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("peerId", swarm.localPeerId().toString());
        node.put("listenAddresses", swarm.listenAddresses().stream().map(Multiaddr::toString).toList());
        node.put("protocols", List.copyOf(swarm.protocols()));
        Instant now = Instant.now();
        node.put("connections", swarm.connections().stream().map(c -> connection(c, now)).toList());
        node.put("bootstrapPeers", connectivity.bootstrapPeers().stream().map(Multiaddr::toString).toList());
        node.put("keptPeers", connectivity.keptPeers().stream().map(Libp2pEndpoint::keptPeer).toList());
        node.put("knownPeers", swarm.peerStore().peers().size());
        node.put("resources", resources(swarm.resources()));
        PeerStoreUsage peerStore = swarm.peerStore().usage();
        Map<String, Object> stores = new LinkedHashMap<>();
        stores.put("peerStore", Map.of("peers", peerStore.peers() + " of " + peerStore.maxPeers(),
                "estimatedBytes", peerStore.estimatedBytes() + " of " + peerStore.maxBytes()));
        StoreUsage dht = kademlia.storeUsage();
        stores.put("kademlia", Map.of("records", dht.records(), "providerEntries", dht.providerEntries(),
                "bytes", dht.bytes() + " of " + dht.maxBytes(), "peers", dht.peers(), "refused", dht.refused()));
        node.put("stores", stores);
        Map<String, Object> routingTable = new LinkedHashMap<>();
        routingTable.put("protocol", kademlia.config().protocolId());
        routingTable.put("mode", kademlia.config().mode().name().toLowerCase());
        routingTable.put("size", kademlia.routingTableSize());
        routingTable.put("peers", kademlia.routingTablePeers().stream().map(Object::toString).toList());
        node.put("routingTable", routingTable);
        return node;
    }

    private static Map<String, Object> resources(ResourceManager resources) {
        ResourceUsage usage = resources.usage();
        ResourceLimits limits = resources.limits();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("inboundConnections", usage.inboundConnections() + " of " + limits.maxInboundConnections());
        view.put("outboundConnections", usage.outboundConnections() + " of " + limits.maxOutboundConnections());
        view.put("pendingUpgrades", usage.pendingUpgrades() + " of " + limits.maxPendingUpgrades());
        view.put("streams", usage.streams() + " of " + limits.maxStreams());
        view.put("memoryBytes", usage.memory() + " of " + limits.maxMemory());
        view.put("peers", usage.peers());
        view.put("refused", usage.incidents());
        return view;
    }

    private static Map<String, Object> keptPeer(KeptPeerStatus status) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("peer", status.peer().toString());
        view.put("kind", status.bootstrap() ? "bootstrap" : "protected");
        view.put("connected", status.connected());
        view.put("failures", status.failures());
        status.nextAttempt().ifPresent(next -> view.put("nextAttempt", next.toString()));
        status.lastError().ifPresent(error -> view.put("lastError", error));
        if (status.gaveUp()) {
            view.put("gaveUp", true);
        }
        return view;
    }

    private static Map<String, Object> connection(Connection connection, Instant now) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", connection.id());
        view.put("peer", connection.remotePeer().toString());
        view.put("remoteAddress", connection.remoteAddress().toString());
        view.put("transport", connection.transport());
        view.put("direction", connection.direction().name().toLowerCase());
        view.put("age", Duration.between(connection.openedAt(), now).toString());
        return view;
    }
}
