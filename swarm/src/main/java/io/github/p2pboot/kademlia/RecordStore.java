package io.github.p2pboot.kademlia;

import io.github.p2pboot.identity.PeerId;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records and provider entries this node stores, each with an expiry. Bounded: at most
 * {@code maxRecords} records of at most {@code maxValueSize} bytes, at most {@code maxRecords}
 * provider keys with {@value #MAX_PROVIDERS_PER_KEY} providers each, so that peers cannot make it
 * grow without limit.
 */
final class RecordStore {

    static final int MAX_PROVIDERS_PER_KEY = 64;

    private final int maxRecords;
    private final int maxValueSize;
    private final Duration ttl;
    private final Clock clock;
    private final Map<ByteBuffer, Stored> records = new ConcurrentHashMap<>();
    private final Map<ByteBuffer, LinkedHashMap<PeerId, Instant>> providers = new ConcurrentHashMap<>();

    record Stored(byte[] value, Instant received, Instant expires) {
    }

    RecordStore(int maxRecords, int maxValueSize, Duration ttl, Clock clock) {
        this.maxRecords = maxRecords;
        this.maxValueSize = maxValueSize;
        this.ttl = ttl;
        this.clock = clock;
    }

    /**
     * Stores a record.
     *
     * @throws IllegalArgumentException naming the limit the record breaks
     */
    void put(byte[] key, byte[] value) {
        if (value.length > maxValueSize) {
            throw new IllegalArgumentException("record value of " + value.length + " bytes exceeds the limit of " + maxValueSize);
        }
        removeExpired();
        ByteBuffer k = ByteBuffer.wrap(key.clone());
        if (!records.containsKey(k) && records.size() >= maxRecords) {
            throw new IllegalArgumentException("record store is full (" + maxRecords + " records)");
        }
        Instant now = clock.instant();
        records.put(k, new Stored(value.clone(), now, now.plus(ttl)));
    }

    Optional<Stored> get(byte[] key) {
        Stored stored = records.get(ByteBuffer.wrap(key));
        if (stored == null || stored.expires().isBefore(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(stored);
    }

    /**
     * Records {@code provider} for {@code key}.
     *
     * @throws IllegalArgumentException if the provider table is full
     */
    void addProvider(byte[] key, PeerId provider) {
        removeExpired();
        ByteBuffer k = ByteBuffer.wrap(key.clone());
        if (!providers.containsKey(k) && providers.size() >= maxRecords) {
            throw new IllegalArgumentException("provider store is full (" + maxRecords + " keys)");
        }
        LinkedHashMap<PeerId, Instant> entries = providers.computeIfAbsent(k, x -> new LinkedHashMap<>());
        synchronized (entries) {
            entries.remove(provider);
            entries.put(provider, clock.instant().plus(ttl));
            while (entries.size() > MAX_PROVIDERS_PER_KEY) {
                entries.remove(entries.keySet().iterator().next());
            }
        }
    }

    List<PeerId> providers(byte[] key) {
        LinkedHashMap<PeerId, Instant> entries = providers.get(ByteBuffer.wrap(key));
        if (entries == null) {
            return List.of();
        }
        Instant now = clock.instant();
        synchronized (entries) {
            return entries.entrySet().stream().filter(e -> e.getValue().isAfter(now)).map(Map.Entry::getKey).toList();
        }
    }

    int recordCount() {
        return records.size();
    }

    void removeExpired() {
        Instant now = clock.instant();
        records.values().removeIf(r -> r.expires().isBefore(now));
        for (Iterator<LinkedHashMap<PeerId, Instant>> it = providers.values().iterator(); it.hasNext(); ) {
            LinkedHashMap<PeerId, Instant> entries = it.next();
            synchronized (entries) {
                entries.values().removeIf(expiry -> expiry.isBefore(now));
                if (entries.isEmpty()) {
                    it.remove();
                }
            }
        }
    }
}
