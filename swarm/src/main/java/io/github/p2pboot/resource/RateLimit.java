package io.github.p2pboot.resource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Token buckets: one for everything and one per key (a host, say), so that neither all sources
 * together nor any single one can go faster than its rate. The per-key table is bounded; the key
 * seen least recently is forgotten first, which at worst gives that key a fresh burst while the
 * global bucket still holds.
 *
 * @param <K> what the per-key buckets are keyed by
 */
public final class RateLimit<K> {

    private final LongSupplier nanoClock;
    private final double globalPerSecond;
    private final double globalBurst;
    private final double perKeyPerSecond;
    private final double perKeyBurst;
    private final Bucket global;
    private final Map<K, Bucket> perKey;

    /**
     * @param globalPerSecond sustained rate for all keys together; {@code Double.POSITIVE_INFINITY} for no global limit
     * @param globalBurst how many may go at once for all keys together
     * @param perKeyPerSecond sustained rate for one key
     * @param perKeyBurst how many one key may take at once
     * @param maxKeys how many keys to remember
     */
    public RateLimit(double globalPerSecond, double globalBurst, double perKeyPerSecond, double perKeyBurst, int maxKeys,
            LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.globalPerSecond = globalPerSecond;
        this.globalBurst = globalBurst;
        this.perKeyPerSecond = perKeyPerSecond;
        this.perKeyBurst = perKeyBurst;
        this.global = new Bucket(globalBurst, nanoClock.getAsLong());
        this.perKey = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Bucket> eldest) {
                return size() > maxKeys;
            }
        };
    }

    /** Takes one token from both the global bucket and {@code key}'s, or none if either is empty. */
    public synchronized boolean tryAcquire(K key) {
        long now = nanoClock.getAsLong();
        Bucket own = perKey.computeIfAbsent(key, k -> new Bucket(perKeyBurst, now));
        own.refill(now, perKeyPerSecond, perKeyBurst);
        global.refill(now, globalPerSecond, globalBurst);
        if (own.tokens < 1 || global.tokens < 1) {
            return false;
        }
        own.tokens--;
        global.tokens--;
        return true;
    }

    /** Takes one token from the global bucket only. */
    public synchronized boolean tryAcquireGlobal() {
        global.refill(nanoClock.getAsLong(), globalPerSecond, globalBurst);
        if (global.tokens < 1) {
            return false;
        }
        global.tokens--;
        return true;
    }

    /** How many keys have a bucket now. */
    public synchronized int trackedKeys() {
        return perKey.size();
    }

    private static final class Bucket {
        double tokens;
        long updated;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.updated = now;
        }

        void refill(long now, double perSecond, double burst) {
            tokens = Math.min(burst, tokens + (now - updated) / 1e9 * perSecond);
            updated = now;
        }
    }
}
