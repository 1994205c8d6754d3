package io.github.p2pboot.peerstore;

import static io.github.p2pboot.peerstore.InMemoryPeerStoreTest.identify;
import static io.github.p2pboot.peerstore.InMemoryPeerStoreTest.newPeer;
import static io.github.p2pboot.peerstore.InMemoryPeerStoreTest.quic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.PeerInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The peer store's bound in estimated bytes, beside its bound in peers. */
class PeerStoreByteBoundTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    private final MutableClock clock = new MutableClock();
    private final PeerId local = newPeer();

    private InMemoryPeerStore store(int maxPeers, long maxBytes) {
        return new InMemoryPeerStore(local, maxPeers, maxBytes, clock, () -> { });
    }

    /** An identify record filled to every bound of PeerInfo: 16 addresses of 128 bytes, 128 protocols of 128 characters. */
    static PeerInfo fullRecord(PeerId peer) {
        List<Multiaddr> addresses = IntStream.range(0, PeerInfo.MAX_LISTEN_ADDRESSES)
                .mapToObj(i -> Multiaddr.parse("/dns4/" + String.format("%02d", i) + "x".repeat(117) + "/udp/1/quic-v1")).toList();
        Set<String> protocols = IntStream.range(0, PeerInfo.MAX_PROTOCOLS)
                .mapToObj(i -> String.format("/%03d", i) + "p".repeat(PeerInfo.MAX_PROTOCOL_ID_LENGTH - 4)).collect(Collectors.toSet());
        return new PeerInfo(peer, addresses, protocols, Optional.of(addresses.get(0)), "a".repeat(500), "v".repeat(500));
    }

    @Test
    void usageReportsPeersAndEstimatedBytesWithTheBounds() {
        InMemoryPeerStore store = store(100, InMemoryPeerStore.DEFAULT_MAX_BYTES);
        assertThat(store.usage()).isEqualTo(new PeerStoreUsage(0, 0, 100, InMemoryPeerStore.DEFAULT_MAX_BYTES));

        PeerId typical = newPeer();
        store.connected(typical);
        store.identified(identify(typical, List.of(quic(1), quic(2), Multiaddr.parse("/ip4/127.0.0.1/tcp/4001")),
                Set.of("/ipfs/id/1.0.0", "/ipfs/id/push/1.0.0", "/ipfs/ping/1.0.0", "/ipfs/kad/1.0.0"), "js-libp2p/3.3.11"));
        store.addAddresses(typical, AddressSource.OBSERVED, List.of(quic(1)));

        PeerStoreUsage usage = store.usage();
        assertThat(usage.peers()).isEqualTo(1);
        // A typical peer, as the class comment says: about 2.5 KiB.
        assertThat(usage.estimatedBytes()).isBetween(1024L, 3 * 1024L);
    }

    @Test
    void aPeerFilledToEveryBoundIsEstimatedWithinTheDocumentedMaximum() {
        InMemoryPeerStore store = store(10, InMemoryPeerStore.DEFAULT_MAX_BYTES);
        PeerId peer = newPeer();
        store.identified(fullRecord(peer));
        for (AddressSource source : List.of(AddressSource.OBSERVED, AddressSource.THIRD_PARTY)) {
            store.addAddresses(peer, source, IntStream.range(0, 20).mapToObj(i -> Multiaddr.parse(
                    "/dns4/" + source.ordinal() + String.format("%02d", i) + "y".repeat(116) + "/udp/1/quic-v1")).toList());
        }

        assertThat(store.protocols(peer)).hasSize(PeerInfo.MAX_PROTOCOLS);
        assertThat(store.addresses(peer)).hasSize(3 * InMemoryPeerStore.MAX_ADDRESSES_PER_SOURCE);
        assertThat(store.usage().estimatedBytes()).isLessThanOrEqualTo(InMemoryPeerStore.MAX_ESTIMATED_PEER_BYTES)
                .isGreaterThan(InMemoryPeerStore.MAX_ESTIMATED_PEER_BYTES - 1024);
    }

    @Test
    void overTheByteBoundTheLeastRecentlySeenIdlePeersGoAndConnectedOnesStay() {
        long maxBytes = 4L * InMemoryPeerStore.MAX_ESTIMATED_PEER_BYTES;
        InMemoryPeerStore store = store(1000, maxBytes);
        PeerId stillConnected = newPeer();
        store.connected(stillConnected);
        store.identified(fullRecord(stillConnected));
        List<PeerId> idle = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            clock.advance(SECOND);
            PeerId peer = newPeer();
            store.connected(peer);
            store.identified(fullRecord(peer));
            store.disconnected(peer);
            idle.add(peer);
            assertThat(store.usage().estimatedBytes()).isLessThanOrEqualTo(maxBytes);
        }

        assertThat(store.peers()).hasSize(4).contains(stillConnected).containsAll(idle.subList(7, 10));
        assertThat(store.usage().estimatedBytes()).isEqualTo(store.peers().stream().mapToLong(p -> {
            InMemoryPeerStore alone = store(10, InMemoryPeerStore.DEFAULT_MAX_BYTES);
            alone.identified(fullRecord(p));
            return alone.usage().estimatedBytes();
        }).sum());
    }

    @Test
    void aRecordThatGrowsEvictsOthersNotItself() {
        long maxBytes = 2L * InMemoryPeerStore.MAX_ESTIMATED_PEER_BYTES;
        InMemoryPeerStore store = store(1000, maxBytes);
        List<PeerId> small = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            clock.advance(SECOND);
            PeerId peer = newPeer();
            store.identified(identify(peer, List.of(quic(i + 1)), Set.of("/ipfs/ping/1.0.0"), "x"));
            small.add(peer);
        }
        assertThat(store.peers()).hasSize(30);
        PeerId growing = small.get(0);

        clock.advance(SECOND);
        store.identified(fullRecord(growing));
        clock.advance(SECOND);
        store.identified(fullRecord(small.get(1)));

        assertThat(store.peers()).contains(growing, small.get(1)).hasSizeLessThan(30);
        assertThat(store.protocols(growing)).hasSize(PeerInfo.MAX_PROTOCOLS);
        assertThat(store.usage().estimatedBytes()).isLessThanOrEqualTo(maxBytes);
        // The oldest small records went first.
        assertThat(store.peers()).doesNotContain(small.get(2));
    }

    @Test
    void forgettingAPeerReturnsItsBytes() {
        InMemoryPeerStore store = store(1, InMemoryPeerStore.DEFAULT_MAX_BYTES);
        PeerId first = newPeer();
        store.identified(fullRecord(first));
        long full = store.usage().estimatedBytes();
        clock.advance(SECOND);
        PeerId second = newPeer();
        store.identified(identify(second, List.of(quic(1)), Set.of("/ipfs/ping/1.0.0"), "x"));

        assertThat(store.peers()).containsExactly(second);
        assertThat(store.usage().estimatedBytes()).isPositive().isLessThan(full / 10);
    }

    @Test
    void aByteBoundBelowOneFullPeerIsRefused() {
        assertThatThrownBy(() -> new InMemoryPeerStore(local, 10, 1024)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxBytes must be at least " + InMemoryPeerStore.MAX_ESTIMATED_PEER_BYTES
                        + " (one peer filled to every bound), got 1024");
    }
}
