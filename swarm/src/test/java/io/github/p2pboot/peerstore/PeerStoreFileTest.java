package io.github.p2pboot.peerstore;

import static io.github.p2pboot.peerstore.InMemoryPeerStoreTest.newPeer;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.PeerInfo;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PeerStoreFileTest {

    @Test
    void aPeerFilledToEveryBoundEncodesWithinTheDocumentedWorstCase() throws Exception {
        PeerId local = newPeer();
        PeerId peer = newPeer();
        InMemoryPeerStore store = new InMemoryPeerStore(local, 10, new MutableClock(), () -> { });
        Set<String> protocols = IntStream.range(0, InMemoryPeerStore.MAX_PROTOCOLS)
                .mapToObj(i -> String.format("/%03d", i) + "p".repeat(InMemoryPeerStore.MAX_PROTOCOL_ID_LENGTH - 4))
                .collect(Collectors.toSet());
        store.identified(new PeerInfo(peer, addresses('s'), protocols, Optional.empty(), "a".repeat(500), "v".repeat(500)));
        store.addAddresses(peer, AddressSource.OBSERVED, addresses('o'));
        store.addAddresses(peer, AddressSource.THIRD_PARTY, addresses('t'));
        store.connected(peer);
        assertThat(store.addresses(peer)).hasSize(3 * InMemoryPeerStore.MAX_ADDRESSES_PER_SOURCE);
        assertThat(store.protocols(peer)).hasSize(InMemoryPeerStore.MAX_PROTOCOLS);

        byte[] owner = PeerStoreFile.owner(local);
        byte[] file = PeerStoreFile.encode(owner, store.seenEntries());
        int record = file.length - PeerStoreFile.HEADER_BYTES - PeerStoreFile.TRAILER_BYTES;

        // Our Ed25519 id is 6 bytes shorter than the longest id a record may hold.
        assertThat(record).isLessThanOrEqualTo(InMemoryPeerStore.MAX_ENCODED_PEER_BYTES)
                .isGreaterThanOrEqualTo(InMemoryPeerStore.MAX_ENCODED_PEER_BYTES - 6);
        assertThat(file.length).isLessThanOrEqualTo((int) FilePeerStore.maxFileBytes(1));
        assertThat(PeerStoreFile.decode(file, owner)).singleElement()
                .satisfies(entry -> assertThat(entry.protocols).hasSize(InMemoryPeerStore.MAX_PROTOCOLS));
    }

    /** Addresses of exactly the longest length kept: /dns4/ with a 120-byte name, /udp/1/quic-v1. */
    private static List<Multiaddr> addresses(char tag) {
        return IntStream.range(0, InMemoryPeerStore.MAX_ADDRESSES_PER_SOURCE).mapToObj(i -> {
            Multiaddr address = Multiaddr.parse("/dns4/" + tag + i + "x".repeat(118) + "/udp/1/quic-v1");
            assertThat(address.toBytes()).hasSize(InMemoryPeerStore.MAX_ADDRESS_BYTES);
            return address;
        }).toList();
    }
}
