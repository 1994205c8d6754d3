package io.github.p2pboot.swarm;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What identify reported about a peer.
 *
 * @param peerId the peer, verified against the public key it sent
 * @param listenAddresses the addresses it says it listens on
 * @param protocols the protocols it serves
 * @param observedAddress our address as the peer sees it, if it told us
 * @param agentVersion its implementation, e.g. {@code js-libp2p/3.3.11}
 * @param protocolVersion e.g. {@code ipfs/0.1.0}
 */
public record PeerInfo(
        PeerId peerId,
        List<Multiaddr> listenAddresses,
        Set<String> protocols,
        Optional<Multiaddr> observedAddress,
        String agentVersion,
        String protocolVersion) {

    public PeerInfo {
        listenAddresses = List.copyOf(listenAddresses);
        protocols = Set.copyOf(protocols);
    }
}
