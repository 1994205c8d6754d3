package io.github.p2pboot.kademlia;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoutingTableTest {

    private static PeerId randomPeer() {
        return PrivateKey.generateEd25519().peerId();
    }

    @Test
    void fullBucketNamesItsLeastRecentlySeenPeerInsteadOfTakingTheNewcomer() {
        PeerId local = randomPeer();
        RoutingTable table = new RoutingTable(local, 2);
        // Peers in bucket 0 differ from us in the first bit: half of all random peers.
        List<PeerId> bucketZero = new ArrayList<>();
        while (bucketZero.size() < 3) {
            PeerId peer = randomPeer();
            if (table.bucketIndex(Key.of(peer.toBytes())) == 0) {
                bucketZero.add(peer);
            }
        }

        assertThat(table.offer(bucketZero.get(0))).isInstanceOf(RoutingTable.Added.class);
        assertThat(table.offer(bucketZero.get(1))).isInstanceOf(RoutingTable.Added.class);
        assertThat(table.offer(bucketZero.get(0))).isInstanceOf(RoutingTable.Updated.class);
        RoutingTable.Offer full = table.offer(bucketZero.get(2));

        assertThat(full).isEqualTo(new RoutingTable.BucketFull(bucketZero.get(1)));
        assertThat(table.size()).isEqualTo(2);
        table.replace(bucketZero.get(1), bucketZero.get(2));
        assertThat(table.peers()).containsExactlyInAnyOrder(bucketZero.get(0), bucketZero.get(2));
    }

    @Test
    void closestIsOrderedByXorDistance() {
        RoutingTable table = new RoutingTable(randomPeer(), 20);
        List<PeerId> peers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            PeerId peer = randomPeer();
            peers.add(peer);
            table.offer(peer);
        }
        Key target = Key.of("target".getBytes());

        List<PeerId> closest = table.closest(target, 5);

        List<PeerId> expected = table.peers().stream()
                .sorted((a, b) -> Key.compareDistance(target, Key.of(a.toBytes()), Key.of(b.toBytes()))).limit(5).toList();
        assertThat(closest).containsExactlyElementsOf(expected);
    }

    @Test
    void namespaceIsTheFirstPathSegment() {
        assertThat(Kademlia.namespace("/test/hello".getBytes())).isEqualTo("test");
        assertThat(Kademlia.namespace("plain".getBytes())).isEmpty();
        assertThat(Kademlia.namespace("/only".getBytes())).isEmpty();
    }
}
