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
 * {@value #MAX_AGENT_LENGTH} characters. In all, at most {@code maxPeers} peers.
 *
 * <p>Worst case in bytes: a peer's record encodes to at most {@value #MAX_ENCODED_PEER_BYTES}
 * bytes (about 7.5 KiB: 24 addresses of 128 bytes, 32 protocol ids of 128 characters, two
 * strings), so the store holds at most {@code maxPeers × 7.5 KiB} of peer data, about 7.3 MiB at
 * the default of {@value #DEFAULT_MAX_PEERS} peers, and a few times that in heap with Java's object
 * overhead. A typical peer (a handful of addresses and protocols) takes well under 1 KiB.
 *
 * <p>Eviction, when a new peer makes one too many: peers never seen (known only from third
 * parties) go first, the earliest learnt first, while they fill a quarter of the store or more;
 * otherwise the least recently seen peer that is not connected right now. So a flood of
 * third-party peers can take at most a quarter of the room of the peers we have met, and a
 * connected peer is forgotten only when every other peer is connected too.
 *
 * <p>Never holds the local peer: whatever is said about it is ignored. Thread-safe: one lock, held
 * for short, bounded work only.
 */
public final class InMemoryPeerStore implements PeerStore {

    public static final int DEFAULT_MAX_PEERS = 1000;
    public static final int MAX_ADDRESSES_PER_SOURCE = 8;
    public static final int MAX_ADDRESS_BYTES = 128;
    public static final int MAX_PROTOCOLS = 32;
    public static final int MAX_PROTOCOL_ID_LENGTH = 128;
    public static final int MAX_AGENT_LENGTH = 96;
    /** The most bytes one peer's record takes in the file format; see {@link PeerStoreFile}. */
    public static final int MAX_ENCODED_PEER_BYTES = PeerStoreFile.MAX_ENCODED_PEER_BYTES;

    private final PeerId localPeer;
    private final int maxPeers;
    private final Clock clock;
    private final Runnable onChange;
    private final Map<PeerId, PeerEntry> peers = new HashMap<>();
    private long insertions;

    /** A store for the node {@code localPeer} holding at most {@link #DEFAULT_MAX_PEERS} peers. */
    public InMemoryPeerStore(PeerId localPeer) {
        this(localPeer, DEFAULT_MAX_PEERS);
    }

    /**
     * @param localPeer this node, never stored
     * @param maxPeers how many peers to remember at most, at least 1
     */
    public InMemoryPeerStore(PeerId localPeer, int maxPeers) {
        this(localPeer, maxPeers, Clock.systemUTC(), () -> { });
    }

    InMemoryPeerStore(PeerId localPeer, int maxPeers, Clock clock, Runnable onChange) {
        this.localPeer = Objects.requireNonNull(localPeer, "localPeer");
        if (maxPeers < 1) {
            throw new IllegalArgumentException("maxPeers must be at least 1, got " + maxPeers);
        }
        this.maxPeers = maxPeers;
        this.clock = clock;
        this.onChange = onChange;
    }

    int maxPeers() {
        return maxPeers;
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
        List<Multiaddr> listen = acceptable(info.listenAddresses());
        List<String> protocols = info.protocols().stream().filter(InMemoryPeerStore::isAcceptableProtocol).sorted()
                .limit(MAX_PROTOCOLS).toList();
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
            entry.agentVersion = printable(info.agentVersion(), MAX_AGENT_LENGTH);
            entry.protocolVersion = printable(info.protocolVersion(), MAX_AGENT_LENGTH);
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
        // The file's order is no ranking: the restored peer may be the one to go.
        evictBeyondBound(null);
    }

    private PeerEntry entry(PeerId peer) {
        return peers.computeIfAbsent(peer, p -> new PeerEntry(p, insertions++));
    }

    /** Forgets peers other than {@code keep} (null: any) while over the bound; see the class comment for which. */
    private void evictBeyondBound(PeerEntry keep) {
        while (peers.size() > maxPeers) {
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
        }
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

    static boolean isAcceptableProtocol(String protocol) {
        return !protocol.isEmpty() && protocol.length() <= MAX_PROTOCOL_ID_LENGTH && isPrintableAscii(protocol);
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

    /** {@code text} cut to {@code max} characters, anything but printable ASCII replaced by '?'. */
    static String printable(String text, int max) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), max));
        for (int i = 0; i < text.length() && out.length() < max; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c <= 0x7e ? c : '?');
        }
        return out.toString();
    }
}
