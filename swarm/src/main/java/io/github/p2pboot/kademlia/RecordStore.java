package io.github.p2pboot.kademlia;

import io.github.p2pboot.identity.PeerId;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Records and provider entries this node stores, each with an expiry, bounded so that peers
 * cannot make it grow past what it can afford:
 * <ul>
 * <li>in all, at most {@code maxBytes} of estimated heap (keys, values and the bookkeeping around
 * them), at most {@code maxRecords} records and {@code maxRecords} provider keys, and at most
 * {@value #MAX_PROVIDERS_PER_KEY} providers per key;</li>
 * <li>per publishing peer, at most {@code maxEntriesPerPeer} records and provider entries and
 * {@code maxBytesPerPeer} bytes: a record is charged to the peer that last put it, a provider entry
 * to its provider.</li>
 * </ul>
 * A write that would break a limit is refused with {@link Refused}; nothing already stored is
 * evicted to make room, so a peer that floods the store fills its own quota and the budget, never
 * takes others' place. The local node ({@code self}) is held only to the totals: what it publishes
 * is its own choice.
 *
 * <p>Thread-safe: one lock, taken for short, bounded work (a sweep of expired entries runs at most
 * once a second).
 */
final class RecordStore {

    static final int MAX_PROVIDERS_PER_KEY = 64;
    /**
     * Heap a record takes beyond its key and value bytes (map entry, key wrapper, two array
     * headers, the record and its two instants), rounded up so that the budget errs on the safe side.
     */
    static final int RECORD_OVERHEAD = 192;
    /** Heap one provider entry takes beyond its key bytes (linked map entry, instant, a share of the key's map). */
    static final int PROVIDER_OVERHEAD = 160;
    /** Expired entries are swept when the store is full, but not more often than this. */
    private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);

    /** A write the store's limits do not allow; the message names the limit. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** The store's limits; see the class comment. */
    record Limits(int maxRecords, int maxValueSize, long maxBytes, int maxEntriesPerPeer, long maxBytesPerPeer) {
        static Limits of(KademliaConfig config) {
            return new Limits(config.maxRecords(), config.maxValueSize(), config.maxStoreBytes(), config.maxEntriesPerPeer(),
                    config.maxBytesPerPeer());
        }
    }

    record Stored(byte[] value, Instant received, Instant expires, PeerId publisher, long cost) {
    }

    /** Entries and bytes held for one peer. */
    record Usage(int entries, long bytes) {
        static final Usage NONE = new Usage(0, 0);

        Usage plus(int entries, long bytes) {
            return new Usage(this.entries + entries, this.bytes + bytes);
        }
    }

    private final PeerId self;
    private final Limits limits;
    private final Duration ttl;
    private final Clock clock;
    private final Map<ByteBuffer, Stored> records = new HashMap<>();
    private final Map<ByteBuffer, LinkedHashMap<PeerId, Instant>> providers = new HashMap<>();
    private final Map<PeerId, Usage> usage = new HashMap<>();
    private int providerEntries;
    private long bytes;
    private Instant lastSweep = Instant.MIN;

    RecordStore(PeerId self, Limits limits, Duration ttl, Clock clock) {
        this.self = self;
        this.limits = limits;
        this.ttl = ttl;
        this.clock = clock;
    }

    /**
     * Stores a record put by {@code publisher}, replacing any record under the same key.
     *
     * @throws Refused naming the limit the record would break
     */
    synchronized void put(PeerId publisher, byte[] key, byte[] value) throws Refused {
        if (value.length > limits.maxValueSize()) {
            throw new Refused("record value of " + value.length + " bytes exceeds the limit of " + limits.maxValueSize());
        }
        ByteBuffer k = ByteBuffer.wrap(key.clone());
        long cost = RECORD_OVERHEAD + (long) key.length + value.length;
        String refusal = refusalOfRecord(publisher, k, cost);
        if (refusal != null && sweepIfDue()) {
            refusal = refusalOfRecord(publisher, k, cost);
        }
        if (refusal != null) {
            throw new Refused(refusal);
        }
        Stored old = records.get(k);
        if (old != null) {
            release(old.publisher(), 1, old.cost());
        }
        Instant now = clock.instant();
        records.put(k, new Stored(value.clone(), now, now.plus(ttl), publisher, cost));
        charge(publisher, 1, cost);
    }

    /** Why {@code publisher} may not store a record of {@code cost} bytes under {@code key}, or null. */
    private String refusalOfRecord(PeerId publisher, ByteBuffer key, long cost) {
        Stored old = records.get(key);
        if (old == null && records.size() >= limits.maxRecords()) {
            return "record store is full (" + limits.maxRecords() + " records)";
        }
        long freed = old == null ? 0 : old.cost();
        if (bytes - freed + cost > limits.maxBytes()) {
            return "record store is full (" + bytes + " of " + limits.maxBytes() + " bytes held)";
        }
        boolean samePublisher = old != null && old.publisher().equals(publisher);
        return quotaRefusal(publisher, samePublisher ? 0 : 1, cost - (samePublisher ? freed : 0));
    }

    Optional<Stored> get(byte[] key) {
        Stored stored;
        synchronized (this) {
            stored = records.get(ByteBuffer.wrap(key));
        }
        if (stored == null || stored.expires().isBefore(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(stored);
    }

    /**
     * Records {@code provider} for {@code key}, or renews its entry.
     *
     * @throws Refused naming the limit the entry would break
     */
    synchronized void addProvider(byte[] key, PeerId provider) throws Refused {
        ByteBuffer k = ByteBuffer.wrap(key.clone());
        long cost = PROVIDER_OVERHEAD + (long) key.length;
        LinkedHashMap<PeerId, Instant> entries = providers.get(k);
        Instant expires = clock.instant().plus(ttl);
        if (entries != null && entries.containsKey(provider)) {
            entries.put(provider, expires);
            return;
        }
        String refusal = refusalOfProvider(provider, k, cost);
        if (refusal != null && sweepIfDue()) {
            refusal = refusalOfProvider(provider, k, cost);
        }
        if (refusal != null) {
            throw new Refused(refusal);
        }
        providers.computeIfAbsent(k, x -> new LinkedHashMap<>()).put(provider, expires);
        providerEntries++;
        charge(provider, 1, cost);
    }

    private String refusalOfProvider(PeerId provider, ByteBuffer key, long cost) {
        LinkedHashMap<PeerId, Instant> entries = providers.get(key);
        if (entries == null && providers.size() >= limits.maxRecords()) {
            return "provider store is full (" + limits.maxRecords() + " keys)";
        }
        if (entries != null && entries.size() >= MAX_PROVIDERS_PER_KEY) {
            return "key has " + MAX_PROVIDERS_PER_KEY + " providers already";
        }
        if (bytes + cost > limits.maxBytes()) {
            return "record store is full (" + bytes + " of " + limits.maxBytes() + " bytes held)";
        }
        return quotaRefusal(provider, 1, cost);
    }

    private String quotaRefusal(PeerId peer, int moreEntries, long moreBytes) {
        if (peer.equals(self)) {
            return null;
        }
        Usage held = usage.getOrDefault(peer, Usage.NONE);
        if (held.entries() + moreEntries > limits.maxEntriesPerPeer()) {
            return "peer's quota of " + limits.maxEntriesPerPeer() + " records and provider entries is used up";
        }
        if (held.bytes() + moreBytes > limits.maxBytesPerPeer()) {
            return "peer's quota of " + limits.maxBytesPerPeer() + " bytes is used up (" + held.bytes() + " held)";
        }
        return null;
    }

    synchronized List<PeerId> providers(byte[] key) {
        LinkedHashMap<PeerId, Instant> entries = providers.get(ByteBuffer.wrap(key));
        if (entries == null) {
            return List.of();
        }
        Instant now = clock.instant();
        return entries.entrySet().stream().filter(e -> e.getValue().isAfter(now)).map(Map.Entry::getKey).toList();
    }

    synchronized int recordCount() {
        return records.size();
    }

    synchronized int providerEntryCount() {
        return providerEntries;
    }

    /** Remote peers with records or provider entries stored. */
    synchronized int peerCount() {
        return usage.size() - (usage.containsKey(self) ? 1 : 0);
    }

    /** The estimated heap held by all records and provider entries. */
    synchronized long bytes() {
        return bytes;
    }

    /** What the store holds for {@code peer}. */
    synchronized Usage usageOf(PeerId peer) {
        return usage.getOrDefault(peer, Usage.NONE);
    }

    synchronized void removeExpired() {
        Instant now = clock.instant();
        lastSweep = now;
        for (Iterator<Stored> it = records.values().iterator(); it.hasNext(); ) {
            Stored record = it.next();
            if (record.expires().isBefore(now)) {
                it.remove();
                release(record.publisher(), 1, record.cost());
            }
        }
        for (Iterator<Map.Entry<ByteBuffer, LinkedHashMap<PeerId, Instant>>> it = providers.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<ByteBuffer, LinkedHashMap<PeerId, Instant>> key = it.next();
            long cost = PROVIDER_OVERHEAD + (long) key.getKey().remaining();
            for (Iterator<Map.Entry<PeerId, Instant>> entries = key.getValue().entrySet().iterator(); entries.hasNext(); ) {
                Map.Entry<PeerId, Instant> entry = entries.next();
                if (entry.getValue().isBefore(now)) {
                    entries.remove();
                    providerEntries--;
                    release(entry.getKey(), 1, cost);
                }
            }
            if (key.getValue().isEmpty()) {
                it.remove();
            }
        }
    }

    /** Sweeps expired entries unless that was done within the last second; whether it swept. */
    private boolean sweepIfDue() {
        if (clock.instant().isBefore(lastSweep.plus(SWEEP_INTERVAL))) {
            return false;
        }
        removeExpired();
        return true;
    }

    private void charge(PeerId peer, int entries, long cost) {
        bytes += cost;
        usage.merge(peer, new Usage(entries, cost), (a, b) -> a.plus(b.entries(), b.bytes()));
    }

    private void release(PeerId peer, int entries, long cost) {
        bytes -= cost;
        Usage left = usage.getOrDefault(peer, Usage.NONE).plus(-entries, -cost);
        if (left.entries() <= 0) {
            usage.remove(peer);
        } else {
            usage.put(peer, left);
        }
    }
}
