package io.github.p2pboot.transport.quic;

import io.github.p2pboot.resource.RateLimit;
import java.net.InetAddress;
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

    private final RateLimit<InetAddress> limit;

    ResetRateLimiter(LongSupplier nanoClock) {
        this.limit = new RateLimit<>(GLOBAL_PER_SECOND, GLOBAL_BURST, PER_HOST_PER_SECOND, PER_HOST_BURST, MAX_HOSTS, nanoClock);
    }

    /** Takes one reset from both budgets, or none if either is spent. */
    boolean tryAcquire(InetAddress source) {
        return limit.tryAcquire(source);
    }

    /**
     * Takes one reset from the global budget only: for resets to remembered connections, whose
     * addresses come from our own store, not from a packet anyone could have sent.
     */
    boolean tryAcquireGlobal() {
        return limit.tryAcquireGlobal();
    }

    int trackedHosts() {
        return limit.trackedKeys();
    }
}
