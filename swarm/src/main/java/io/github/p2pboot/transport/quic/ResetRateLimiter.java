package io.github.p2pboot.transport.quic;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * How many stateless resets may go out (RFC 9000 §10.3.3 asks for a limit): a budget for the whole
 * node and a smaller one per source host, so that neither a flood of packets for stale ids nor
 * spoofed sources can turn this node into a reflector. The per-host table is bounded; the least
 * recently seen host is forgotten first, which at worst gives that host a fresh (small) budget
 * while the global budget still holds.
 */
final class ResetRateLimiter {

    static final double GLOBAL_PER_SECOND = 100;
    static final double GLOBAL_BURST = 100;
    static final double PER_HOST_PER_SECOND = 10;
    static final double PER_HOST_BURST = 4;
    static final int MAX_HOSTS = 1024;

    private final LongSupplier nanoClock;
    private final Bucket global;
    private final Map<InetAddress, Bucket> perHost = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, Bucket> eldest) {
            return size() > MAX_HOSTS;
        }
    };

    ResetRateLimiter(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.global = new Bucket(GLOBAL_BURST, nanoClock.getAsLong());
    }

    /** Takes one reset from both budgets, or none if either is spent. */
    synchronized boolean tryAcquire(InetAddress source) {
        long now = nanoClock.getAsLong();
        Bucket host = perHost.computeIfAbsent(source, s -> new Bucket(PER_HOST_BURST, now));
        host.refill(now, PER_HOST_PER_SECOND, PER_HOST_BURST);
        global.refill(now, GLOBAL_PER_SECOND, GLOBAL_BURST);
        if (host.tokens < 1 || global.tokens < 1) {
            return false;
        }
        host.tokens--;
        global.tokens--;
        return true;
    }

    /**
     * Takes one reset from the global budget only: for resets to remembered connections, whose
     * addresses come from our own store, not from a packet anyone could have sent.
     */
    synchronized boolean tryAcquireGlobal() {
        global.refill(nanoClock.getAsLong(), GLOBAL_PER_SECOND, GLOBAL_BURST);
        if (global.tokens < 1) {
            return false;
        }
        global.tokens--;
        return true;
    }

    synchronized int trackedHosts() {
        return perHost.size();
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
