package io.github.p2pboot.kademlia;

import io.github.p2pboot.identity.PeerId;
import java.time.Duration;
import java.util.List;

/**
 * What a lookup found.
 *
 * @param value the answer (peers, a record, providers, a count)
 * @param closestPeers the closest peers to the key that answered, nearest first
 * @param timedOut whether the query timeout cut the lookup short; {@code value} then holds what
 *     was found until then
 * @param rounds the longest chain of peers the lookup followed, one hop per round
 * @param duration how long it took
 */
public record QueryResult<T>(T value, List<PeerId> closestPeers, boolean timedOut, int rounds, Duration duration) {

    public QueryResult {
        closestPeers = List.copyOf(closestPeers);
    }
}
