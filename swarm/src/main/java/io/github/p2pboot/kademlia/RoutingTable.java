package io.github.p2pboot.kademlia;

import io.github.p2pboot.identity.PeerId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * k-buckets over the XOR distance to the local key: bucket i holds peers whose keys share exactly
 * i leading bits with ours, at most k of them, least recently seen first. A full bucket does not
 * take a newcomer by itself: the caller checks the bucket's least recently seen peer first and
 * replaces it only if it does not answer. Disconnecting does not remove a peer; failing to answer
 * does, so a short outage leaves the table intact.
 *
 * <p>Thread-safe (all methods lock the table: buckets are small).
 */
final class RoutingTable {

    /** What {@link #offer} did with a peer. */
    sealed interface Offer permits Added, Updated, BucketFull {
    }

    record Added() implements Offer {
    }

    record Updated() implements Offer {
    }

    /** The bucket is full; {@code leastRecentlySeen} should be checked before replacing it. */
    record BucketFull(PeerId leastRecentlySeen) implements Offer {
    }

    private final Key local;
    private final int k;
    private final List<LinkedHashMap<PeerId, Key>> buckets = new ArrayList<>();

    RoutingTable(PeerId localPeer, int k) {
        this.local = Key.of(localPeer.toBytes());
        this.k = k;
        for (int i = 0; i < Key.BITS; i++) {
            buckets.add(new LinkedHashMap<>());
        }
    }

    /** Adds {@code peer}, or marks it as just seen. */
    synchronized Offer offer(PeerId peer) {
        Key key = Key.of(peer.toBytes());
        int index = bucketIndex(key);
        if (index >= Key.BITS) {
            return new Updated(); // ourselves
        }
        LinkedHashMap<PeerId, Key> bucket = buckets.get(index);
        if (bucket.remove(peer) != null) {
            bucket.put(peer, key);
            return new Updated();
        }
        if (bucket.size() < k) {
            bucket.put(peer, key);
            return new Added();
        }
        return new BucketFull(bucket.keySet().iterator().next());
    }

    /** Replaces {@code stale}, which did not answer, by {@code newcomer}. */
    synchronized void replace(PeerId stale, PeerId newcomer) {
        remove(stale);
        offer(newcomer);
    }

    synchronized boolean remove(PeerId peer) {
        return buckets.get(Math.min(bucketIndex(Key.of(peer.toBytes())), Key.BITS - 1)).remove(peer) != null;
    }

    synchronized boolean contains(PeerId peer) {
        int index = bucketIndex(Key.of(peer.toBytes()));
        return index < Key.BITS && buckets.get(index).containsKey(peer);
    }

    /** The {@code count} peers closest to {@code target}, nearest first. */
    synchronized List<PeerId> closest(Key target, int count) {
        List<Map.Entry<PeerId, Key>> all = new ArrayList<>();
        for (LinkedHashMap<PeerId, Key> bucket : buckets) {
            all.addAll(bucket.entrySet());
        }
        all.sort((a, b) -> Key.compareDistance(target, a.getValue(), b.getValue()));
        return all.stream().limit(count).map(Map.Entry::getKey).toList();
    }

    synchronized int size() {
        return buckets.stream().mapToInt(Map::size).sum();
    }

    synchronized List<PeerId> peers() {
        List<PeerId> peers = new ArrayList<>();
        buckets.forEach(b -> peers.addAll(b.keySet()));
        return peers;
    }

    /** Indexes of the buckets that hold peers, for refreshes. */
    synchronized List<Integer> nonEmptyBuckets() {
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < buckets.size(); i++) {
            if (!buckets.get(i).isEmpty()) {
                indexes.add(i);
            }
        }
        return indexes;
    }

    int bucketIndex(Key key) {
        return local.commonPrefixLength(key);
    }

    Key localKey() {
        return local;
    }
}
