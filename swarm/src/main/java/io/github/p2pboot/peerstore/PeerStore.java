package io.github.p2pboot.peerstore;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.PeerInfo;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What this node knows about other peers: their addresses, each tagged with where it came from,
 * what identify told us, and when we last saw them. The swarm records into it; dialling, Kademlia
 * and peer keeping read from it.
 *
 * <p>Two implementations: {@link InMemoryPeerStore} (the default) and {@link FilePeerStore}, which
 * keeps the same data in a file so that a restarted node remembers its peers. Implementations are
 * thread-safe, bounded (see {@link InMemoryPeerStore} for the bounds), and never hold the local
 * node itself.
 */
public interface PeerStore extends AutoCloseable {

    /**
     * Adds addresses for {@code peer} learnt from {@code source}; a trailing {@code /p2p} is
     * removed. Within a source the newest wins its slot; addresses beyond the bounds are dropped.
     * A third-party address the store already holds from a better source is ignored.
     */
    void addAddresses(PeerId peer, AddressSource source, Collection<Multiaddr> addresses);

    /**
     * Adds addresses learnt from elsewhere (configuration, another peer) at the lowest rank: the
     * same as {@link #addAddresses(PeerId, AddressSource, Collection)} with
     * {@link AddressSource#THIRD_PARTY}.
     */
    default void addAddresses(PeerId peer, Collection<Multiaddr> addresses) {
        addAddresses(peer, AddressSource.THIRD_PARTY, addresses);
    }

    /**
     * Records an identify result: its listen addresses replace the peer's
     * {@linkplain AddressSource#SELF_REPORTED self-reported} ones, its protocols replace the known
     * protocols; the agent version is trimmed to a bound. Marks the peer as seen.
     */
    void identified(PeerInfo info);

    /** A connection to {@code peer} opened: marks it seen and connected. The swarm calls it once per connection. */
    void connected(PeerId peer);

    /** A connection to {@code peer} closed: marks it seen; it is connected while any other connection is. */
    void disconnected(PeerId peer);

    /**
     * The addresses to dial {@code peer} at, best first: addresses we connected to (the most
     * recent success first), then those the peer reported itself (in its order), then third-party
     * ones (newest first). Each address once; empty if none is known.
     */
    List<Multiaddr> dialAddresses(PeerId peer);

    /** Every address held for {@code peer} with its source and time, in {@link #dialAddresses} order. */
    List<KnownAddress> addresses(PeerId peer);

    /**
     * What identify last reported for {@code peer}, as far as the store keeps it: the listen
     * addresses are the self-reported ones it holds; a store loaded from a file has no observed
     * address.
     */
    Optional<PeerInfo> info(PeerId peer);

    /** The protocols {@code peer} serves according to identify; empty if unknown. */
    Set<String> protocols(PeerId peer);

    /** When {@code peer} was last connected, disconnected or identified; empty if never. */
    Optional<Instant> lastSeen(PeerId peer);

    /**
     * The peers we were connected to most recently, the latest first, at most {@code limit}:
     * the ones to redial when the node starts.
     */
    List<PeerId> recentlyConnected(int limit);

    /** Every peer the store knows. */
    Set<PeerId> peers();

    /**
     * How many peers the store holds and their estimated bytes, with its bounds. A store that
     * does not estimate its size reports its peer count and -1 for the rest.
     */
    default PeerStoreUsage usage() {
        return new PeerStoreUsage(peers().size(), -1, -1, -1);
    }

    /** Releases what the store holds; a file-backed store writes its last changes. Idempotent. */
    @Override
    default void close() {
    }
}
