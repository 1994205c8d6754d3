package io.github.p2pboot.bench.rejoin;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.peerstore.AddressSource;
import io.github.p2pboot.peerstore.KnownAddress;
import io.github.p2pboot.peerstore.PeerStore;
import io.github.p2pboot.swarm.PeerInfo;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A peer store that dials some peers only where the bench says: in case (j) every connection
 * between the two nodes must take the lossy relay, but identify tells each node the other's
 * direct loopback address, which a redial or a replacement would otherwise prefer. Everything
 * else is the wrapped store's.
 */
final class PinnedPeerStore implements PeerStore {

    private final PeerStore delegate;
    private final Map<PeerId, List<Multiaddr>> pinned;

    /** @param pinned the only addresses dialled for each of these peers (an empty list: never dialled) */
    PinnedPeerStore(PeerStore delegate, Map<PeerId, List<Multiaddr>> pinned) {
        this.delegate = delegate;
        this.pinned = Map.copyOf(pinned);
    }

    @Override
    public List<Multiaddr> dialAddresses(PeerId peer) {
        List<Multiaddr> addresses = pinned.get(peer);
        return addresses != null ? addresses : delegate.dialAddresses(peer);
    }

    @Override
    public void addAddresses(PeerId peer, AddressSource source, Collection<Multiaddr> addresses) {
        delegate.addAddresses(peer, source, addresses);
    }

    @Override
    public void identified(PeerInfo info) {
        delegate.identified(info);
    }

    @Override
    public void connected(PeerId peer) {
        delegate.connected(peer);
    }

    @Override
    public void disconnected(PeerId peer) {
        delegate.disconnected(peer);
    }

    @Override
    public List<KnownAddress> addresses(PeerId peer) {
        return delegate.addresses(peer);
    }

    @Override
    public Optional<PeerInfo> info(PeerId peer) {
        return delegate.info(peer);
    }

    @Override
    public Set<String> protocols(PeerId peer) {
        return delegate.protocols(peer);
    }

    @Override
    public Optional<Instant> lastSeen(PeerId peer) {
        return delegate.lastSeen(peer);
    }

    @Override
    public List<PeerId> recentlyConnected(int limit) {
        return delegate.recentlyConnected(limit);
    }

    @Override
    public Set<PeerId> peers() {
        return delegate.peers();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
