package io.github.p2pboot.peerstore;

/**
 * How full a peer store is, for operations (the actuator endpoint, meters).
 *
 * @param peers the peers it holds now
 * @param estimatedBytes their estimated heap, or -1 if the store does not estimate it
 * @param maxPeers the most peers it holds, or -1 if it has no such bound
 * @param maxBytes the most estimated bytes it holds, or -1 if it has no such bound
 */
public record PeerStoreUsage(int peers, long estimatedBytes, int maxPeers, long maxBytes) {
}
