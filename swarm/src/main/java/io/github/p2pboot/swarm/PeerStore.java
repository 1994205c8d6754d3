package io.github.p2pboot.swarm;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this node knows about other peers: the addresses to dial them at and what identify told
 * us. Bounded: at most {@value #MAX_PEERS} peers (the least recently updated is forgotten first) and
 * {@value #MAX_ADDRESSES_PER_PEER} addresses per peer, so that peers advertising garbage cannot grow
 * it without limit.
 */
public final class PeerStore {

    static final int MAX_PEERS = 10_000;
    static final int MAX_ADDRESSES_PER_PEER = 16;

    private final Map<PeerId, Entry> peers = new ConcurrentHashMap<>();

    private static final class Entry {
        final LinkedHashSet<Multiaddr> addresses = new LinkedHashSet<>();
        PeerInfo info;
        long updatedNanos = System.nanoTime();
    }

    /** Adds dialable addresses for {@code peer}; a {@code /p2p} suffix is removed. */
    public void addAddresses(PeerId peer, Collection<Multiaddr> addresses) {
        update(peer, entry -> {
            for (Multiaddr address : addresses) {
                Multiaddr plain = address.withoutPeerId();
                // Newest first: remove and re-add so that a re-announced address moves to the end,
                // then drop the oldest beyond the bound.
                entry.addresses.remove(plain);
                entry.addresses.add(plain);
                while (entry.addresses.size() > MAX_ADDRESSES_PER_PEER) {
                    entry.addresses.remove(entry.addresses.iterator().next());
                }
            }
        });
    }

    /** The addresses known for {@code peer}, the most recently learned last. */
    public List<Multiaddr> addresses(PeerId peer) {
        Entry entry = peers.get(peer);
        if (entry == null) {
            return List.of();
        }
        synchronized (entry) {
            return List.copyOf(entry.addresses);
        }
    }

    /** What identify last reported for {@code peer}. */
    public Optional<PeerInfo> info(PeerId peer) {
        Entry entry = peers.get(peer);
        if (entry == null) {
            return Optional.empty();
        }
        synchronized (entry) {
            return Optional.ofNullable(entry.info);
        }
    }

    /** The protocols {@code peer} serves according to identify; empty if unknown. */
    public Set<String> protocols(PeerId peer) {
        return info(peer).map(PeerInfo::protocols).orElse(Set.of());
    }

    public Set<PeerId> peers() {
        return Set.copyOf(peers.keySet());
    }

    /** Records an identify result and its listen addresses. */
    void put(PeerInfo info) {
        update(info.peerId(), entry -> entry.info = info);
        addAddresses(info.peerId(), info.listenAddresses());
    }

    private void update(PeerId peer, java.util.function.Consumer<Entry> change) {
        Entry entry = peers.computeIfAbsent(peer, p -> new Entry());
        synchronized (entry) {
            change.accept(entry);
            entry.updatedNanos = System.nanoTime();
        }
        if (peers.size() > MAX_PEERS) {
            evictOldest();
        }
    }

    private void evictOldest() {
        List<Map.Entry<PeerId, Entry>> snapshot = new ArrayList<>(peers.entrySet());
        snapshot.sort(Comparator.comparingLong(e -> e.getValue().updatedNanos));
        for (int i = 0; i < snapshot.size() - MAX_PEERS; i++) {
            peers.remove(snapshot.get(i).getKey());
        }
    }
}
