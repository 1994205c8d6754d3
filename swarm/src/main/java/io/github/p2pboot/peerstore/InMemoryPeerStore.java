package io.github.p2pboot.peerstore;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Component;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.multiaddr.Protocol;
import io.github.p2pboot.swarm.PeerInfo;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link PeerStore} in memory, bounded so that peers advertising garbage cannot grow it.
 *
 * <p>Bounds, per peer: {@value #MAX_ADDRESSES_PER_SOURCE} addresses per {@link AddressSource}
 * (so third-party addresses fill their own slots and never push out observed or self-reported
 * ones), addresses of at most {@value #MAX_ADDRESS_BYTES} bytes in binary form,
 * {@value #MAX_PROTOCOLS} protocols of at most {@value #MAX_PROTOCOL_ID_LENGTH} characters
 * (printable ASCII; others are dropped), an agent and protocol version trimmed to
 * {@value #MAX_AGENT_LENGTH} characters: the bounds of {@link PeerInfo}, which identify results
 * already meet. In all, at most {@code maxPeers} peers and {@code maxBytes} estimated bytes.
 *
 * <p>Bytes: each peer's heap is estimated from what it holds (see {@link PeerEntry#estimateBytes},
 * a slight overestimate for a 64-bit JVM). A typical peer (a handful of addresses and
 * protocols) takes about 2.5 KiB, one filled to every bound at most {@value #MAX_ESTIMATED_PEER_BYTES}; the
 * default {@value #DEFAULT_MAX_BYTES} bytes (8 MiB) hold the default 1,000 typical peers three
 * times over, and at worst about 200 peers filled to the bounds. {@link #usage()} reports both.
 *
 * <p>Eviction, when a new peer or a larger record makes one too many or too large: peers never
 * seen (known only from third parties) go first, the earliest learnt first, while they fill a
 * quarter of the store or more; otherwise the least recently seen peer that is not connected
 * right now. So a flood of third-party peers can take at most a quarter of the room of the peers
 * we have met, and a connected peer is forgotten only when every other peer is connected too. The
 * peer being recorded is never the one evicted.
 *
 * <p>Never holds the local peer: whatever is said about it is ignored. Thread-safe: one lock, held
 * for short, bounded work only.
 */
public final class InMemoryPeerStore implements PeerStore {

    public static final int DEFAULT_MAX_PEERS = 1000;
    public static final long DEFAULT_MAX_BYTES = 8L * 1024 * 1024;
    public static final int MAX_ADDRESSES_PER_SOURCE = 8;
    public static final int MAX_ADDRESS_BYTES = PeerInfo.MAX_ADDRESS_BYTES;
    public static final int MAX_PROTOCOLS = PeerInfo.MAX_PROTOCOLS;
    public static final int MAX_PROTOCOL_ID_LENGTH = PeerInfo.MAX_PROTOCOL_ID_LENGTH;
    public static final int MAX_AGENT_LENGTH = PeerInfo.MAX_VERSION_LENGTH;
    /** The estimate for one peer filled to every bound; {@code maxBytes} is at least this, so one peer always fits. */
    public static final int MAX_ESTIMATED_PEER_BYTES = PeerEntry.MAX_ESTIMATED_BYTES;
    /** The most bytes one peer's record takes in the file format; see {@link PeerStoreFile}. */
    public static final int MAX_ENCODED_PEER_BYTES = PeerStoreFile.MAX_ENCODED_PEER_BYTES;

    private final PeerId localPeer;
    private final int maxPeers;
    private final long maxBytes;
    private final Clock clock;
    private final Runnable onChange;
    private final Map<PeerId, PeerEntry> peers = new HashMap<>();
    private long insertions;
    /** The sum of the entries' {@link PeerEntry#bytes}. */
    private long bytes;

    /** A store for the node {@code localPeer} holding at most {@link #DEFAULT_MAX_PEERS} peers and {@link #DEFAULT_MAX_BYTES}. */
    public InMemoryPeerStore(PeerId localPeer) {
        this(localPeer, DEFAULT_MAX_PEERS);
    }

    /**
     * @param localPeer this node, never stored
     * @param maxPeers how many peers to remember at most, at least 1
     */
    public InMemoryPeerStore(PeerId localPeer, int maxPeers) {
        this(localPeer, maxPeers, DEFAULT_MAX_BYTES);
    }

    /**
     * @param localPeer this node, never stored
     * @param maxPeers how many peers to remember at most, at least 1
     * @param maxBytes how many estimated bytes the peers may take, at least {@link #MAX_ESTIMATED_PEER_BYTES}
     */
    public InMemoryPeerStore(PeerId localPeer, int maxPeers, long maxBytes) {
        this(localPeer, maxPeers, maxBytes, Clock.systemUTC(), () -> { });
    }

    InMemoryPeerStore(PeerId localPeer, int maxPeers, Clock clock, Runnable onChange) {
        this(localPeer, maxPeers, DEFAULT_MAX_BYTES, clock, onChange);
    }

    InMemoryPeerStore(PeerId localPeer, int maxPeers, long maxBytes, Clock clock, Runnable onChange) {
        this.localPeer = Objects.requireNonNull(localPeer, "localPeer");
        if (maxPeers < 1) {
            throw new IllegalArgumentException("maxPeers must be at least 1, got " + maxPeers);
        }
        if (maxBytes < MAX_ESTIMATED_PEER_BYTES) {
            throw new IllegalArgumentException("maxBytes must be at least " + MAX_ESTIMATED_PEER_BYTES
                    + " (one peer filled to every bound), got " + maxBytes);
        }
        this.maxPeers = maxPeers;
        this.maxBytes = maxBytes;
        this.clock = clock;
        this.onChange = onChange;
    }

    int maxPeers() {
        return maxPeers;
    }

    long maxBytes() {
        return maxBytes;
    }

    @Override
    public synchronized PeerStoreUsage usage() {
        return new PeerStoreUsage(peers.size(), bytes, maxPeers, maxBytes);
    }

    @Override
    public void addAddresses(PeerId peer, AddressSource source, Collection<Multiaddr> addresses) {
        Objects.requireNonNull(source, "source");
        List<Multiaddr> accepted = acceptable(addresses);
        if (accepted.isEmpty() || peer.equals(localPeer)) {
            return;
        }
        synchronized (this) {
            PeerEntry entry = entry(peer);
            long now = clock.millis();
            for (Multiaddr address : accepted) {
                if (source == AddressSource.THIRD_PARTY) {
                    if (entry.holdsFromThePeerOrAConnection(address)) {
                        continue;
                    }
                } else {
                    // Confirmed now, so it no longer needs a third-party slot. Observed and
                    // self-reported may hold the same address: info() reports the latter.
                    entry.addresses.get(AddressSource.THIRD_PARTY).remove(address);
                }
                entry.putAddress(source, address, now, MAX_ADDRESSES_PER_SOURCE);
            }
            evictBeyondBound(entry);
        }
        onChange.run();
    }

    @Override
    public void identified(PeerInfo info) {
        PeerId peer = info.peerId();
        if (peer.equals(localPeer)) {
            return;
        }
        // PeerInfo holds only what its bounds allow (protocols, agent, lengths); the slots are this store's.
        List<Multiaddr> listen = acceptable(info.listenAddresses());
        List<String> protocols = info.protocols().stream().sorted().toList();
        synchronized (this) {
            PeerEntry entry = entry(peer);
            long now = clock.millis();
            LinkedHashMap<Multiaddr, Long> selfReported = entry.addresses.get(AddressSource.SELF_REPORTED);
            selfReported.clear();
            // Kept in the peer's order, which is its preference; the slot is refilled at every identify.
            for (Multiaddr address : listen.subList(0, Math.min(listen.size(), MAX_ADDRESSES_PER_SOURCE))) {
                selfReported.put(address, now);
                entry.addresses.get(AddressSource.THIRD_PARTY).remove(address);
            }
            entry.protocols.clear();
            entry.protocols.addAll(protocols);
            entry.identified = true;
            entry.agentVersion = info.agentVersion();
            entry.protocolVersion = info.protocolVersion();
            entry.observedAddress = info.observedAddress().filter(a -> a.toBytes().length <= MAX_ADDRESS_BYTES).orElse(null);
            entry.lastSeen = now;
            evictBeyondBound(entry);
        }
        onChange.run();
    }

    @Override
    public void connected(PeerId peer) {
        if (peer.equals(localPeer)) {
            return;
        }
        synchronized (this) {
            PeerEntry entry = entry(peer);
            entry.connections++;
            entry.lastSeen = clock.millis();
            entry.lastConnected = entry.lastSeen;
            evictBeyondBound(entry);
        }
        onChange.run();
    }

    @Override
    public void disconnected(PeerId peer) {
        synchronized (this) {
            PeerEntry entry = peers.get(peer);
            if (entry == null) {
                return;
            }
            entry.connections = Math.max(0, entry.connections - 1);
            entry.lastSeen = clock.millis();
        }
        onChange.run();
    }

    @Override
    public List<Multiaddr> dialAddresses(PeerId peer) {
        LinkedHashSet<Multiaddr> ranked = new LinkedHashSet<>();
        for (KnownAddress known : addresses(peer)) {
            ranked.add(known.address());
        }
        return List.copyOf(ranked);
    }

    @Override
    public synchronized List<KnownAddress> addresses(PeerId peer) {
        PeerEntry entry = peers.get(peer);
        if (entry == null) {
            return List.of();
        }
        List<KnownAddress> ranked = new ArrayList<>();
        for (AddressSource source : AddressSource.values()) {
            List<KnownAddress> slot = new ArrayList<>();
            entry.addresses.get(source).forEach((address, millis) ->
                    slot.add(new KnownAddress(address, source, Instant.ofEpochMilli(millis))));
            if (source != AddressSource.SELF_REPORTED) {
                // Held oldest first; the newest ranks first.
                Collections.reverse(slot);
            }
            ranked.addAll(slot);
        }
        return ranked;
    }

    @Override
    public synchronized Optional<PeerInfo> info(PeerId peer) {
        PeerEntry entry = peers.get(peer);
        if (entry == null || !entry.identified) {
            return Optional.empty();
        }
        return Optional.of(new PeerInfo(peer, List.copyOf(entry.addresses.get(AddressSource.SELF_REPORTED).keySet()),
                Set.copyOf(entry.protocols), Optional.ofNullable(entry.observedAddress), entry.agentVersion, entry.protocolVersion));
    }

    @Override
    public synchronized Set<String> protocols(PeerId peer) {
        PeerEntry entry = peers.get(peer);
        return entry == null ? Set.of() : Set.copyOf(entry.protocols);
    }

    @Override
    public synchronized Optional<Instant> lastSeen(PeerId peer) {
        PeerEntry entry = peers.get(peer);
        return entry == null || !entry.seen() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(entry.lastSeen));
    }

    @Override
    public synchronized List<PeerId> recentlyConnected(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, got " + limit);
        }
        return peers.values().stream().filter(e -> e.lastConnected > 0)
                .sorted(Comparator.comparingLong((PeerEntry e) -> e.lastConnected).reversed())
                .limit(limit).map(e -> e.peer).toList();
    }

    @Override
    public synchronized Set<PeerId> peers() {
        return Set.copyOf(peers.keySet());
    }

    /** The peers we have met (seen at least once), for writing to a file; the caller holds the lock. */
    List<PeerEntry> seenEntries() {
        return peers.values().stream().filter(PeerEntry::seen).toList();
    }

    /** Takes a peer read from a file; the local peer is skipped, the bounds apply. */
    synchronized void restore(PeerEntry entry) {
        if (entry.peer.equals(localPeer) || peers.containsKey(entry.peer)) {
            return;
        }
        PeerEntry copy = new PeerEntry(entry.peer, insertions++);
        entry.addresses.forEach((source, slot) -> slot.forEach((address, millis) ->
                copy.putAddress(source, address, millis, MAX_ADDRESSES_PER_SOURCE)));
        entry.protocols.stream().limit(MAX_PROTOCOLS).forEach(copy.protocols::add);
        copy.identified = entry.identified;
        copy.agentVersion = entry.agentVersion;
        copy.protocolVersion = entry.protocolVersion;
        copy.lastSeen = entry.lastSeen;
        copy.lastConnected = entry.lastConnected;
        peers.put(copy.peer, copy);
        reestimate(copy);
        // The file's order is no ranking: the restored peer may be the one to go.
        evictBeyondBound(null);
    }

    private PeerEntry entry(PeerId peer) {
        return peers.computeIfAbsent(peer, p -> new PeerEntry(p, insertions++));
    }

    /**
     * Re-estimates {@code keep} (null: none changed), then forgets peers other than it while over
     * either bound; see the class comment for which.
     */
    private void evictBeyondBound(PeerEntry keep) {
        if (keep != null) {
            reestimate(keep);
        }
        while (peers.size() > maxPeers || bytes > maxBytes) {
            PeerEntry oldestUnseen = null;
            PeerEntry leastRecentIdle = null;
            PeerEntry leastRecent = null;
            int unseen = 0;
            for (PeerEntry entry : peers.values()) {
                if (entry == keep) {
                    continue;
                }
                if (!entry.seen()) {
                    unseen++;
                    if (oldestUnseen == null || entry.added < oldestUnseen.added) {
                        oldestUnseen = entry;
                    }
                } else {
                    if (leastRecent == null || entry.lastSeen < leastRecent.lastSeen) {
                        leastRecent = entry;
                    }
                    if (entry.connections == 0 && (leastRecentIdle == null || entry.lastSeen < leastRecentIdle.lastSeen)) {
                        leastRecentIdle = entry;
                    }
                }
            }
            PeerEntry victim;
            if (oldestUnseen != null && (unseen >= Math.max(1, maxPeers / 4) || leastRecentIdle == null)) {
                victim = oldestUnseen;
            } else if (leastRecentIdle != null) {
                victim = leastRecentIdle;
            } else {
                victim = leastRecent;
            }
            if (victim == null) {
                return;
            }
            peers.remove(victim.peer);
            bytes -= victim.bytes;
        }
    }

    private void reestimate(PeerEntry entry) {
        bytes -= entry.bytes;
        entry.bytes = entry.estimateBytes();
        bytes += entry.bytes;
    }

    private static List<Multiaddr> acceptable(Collection<Multiaddr> addresses) {
        List<Multiaddr> accepted = new ArrayList<>();
        for (Multiaddr address : addresses) {
            Multiaddr plain = address.withoutPeerId();
            // Nothing but /p2p is no address to dial; an oversized one is not worth its room.
            List<Component> components = plain.components();
            if (components.get(components.size() - 1).protocol() != Protocol.P2P && plain.toBytes().length <= MAX_ADDRESS_BYTES) {
                accepted.add(plain);
            }
        }
        return accepted;
    }

    static boolean isPrintableAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
