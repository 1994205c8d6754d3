package io.github.p2pboot.peerstore;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** One peer's record in an {@link InMemoryPeerStore}; guarded by the store's lock. */
final class PeerEntry {

    final PeerId peer;
    /** Per source: address to the epoch millisecond it was last learnt, the oldest first. */
    final Map<AddressSource, LinkedHashMap<Multiaddr, Long>> addresses = new EnumMap<>(AddressSource.class);
    final Set<String> protocols = new LinkedHashSet<>();
    boolean identified;
    String agentVersion = "";
    String protocolVersion = "";
    /** Our address as the peer reported it; kept in memory only. */
    Multiaddr observedAddress;
    /** Epoch milliseconds; 0 for never. */
    long lastSeen;
    long lastConnected;
    /** Open connections right now; kept in memory only. */
    int connections;
    /** Insertion order, to forget peers never seen in the order they were learnt. */
    final long added;

    PeerEntry(PeerId peer, long added) {
        this.peer = peer;
        this.added = added;
        for (AddressSource source : AddressSource.values()) {
            addresses.put(source, new LinkedHashMap<>());
        }
    }

    boolean seen() {
        return lastSeen > 0;
    }

    /** Records {@code address} as the newest of its source, dropping the oldest beyond {@code max}. */
    void putAddress(AddressSource source, Multiaddr address, long millis, int max) {
        LinkedHashMap<Multiaddr, Long> slot = addresses.get(source);
        slot.remove(address);
        slot.put(address, millis);
        while (slot.size() > max) {
            slot.remove(slot.keySet().iterator().next());
        }
    }

    boolean holdsFromThePeerOrAConnection(Multiaddr address) {
        return addresses.get(AddressSource.OBSERVED).containsKey(address)
                || addresses.get(AddressSource.SELF_REPORTED).containsKey(address);
    }
}
