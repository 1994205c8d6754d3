package io.github.p2pboot.kademlia;

/**
 * What this node stores for the DHT, from {@link Kademlia#storeUsage()}: a snapshot for operations.
 *
 * @param records records stored
 * @param providerEntries provider entries stored (one per key and provider)
 * @param bytes the estimated heap they take (keys, values and their bookkeeping)
 * @param maxBytes the budget {@code bytes} may reach ({@link KademliaConfig#maxStoreBytes()})
 * @param peers remote peers whose records or provider entries are stored
 * @param refused records and provider entries from other peers refused since start: store or peer
 *     quota full, key too long, a namespace without a validator, or a value its validator refused
 */
public record StoreUsage(int records, int providerEntries, long bytes, long maxBytes, int peers, long refused) {
}
