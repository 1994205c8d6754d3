package io.github.p2pboot.hostile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ping echo without backpressure (issue 9): a peer sends ping payload on one stream as fast as
 * the victim takes it and never reads the echoes. Unbounded, the echoes pile up with the victim
 * (86 MiB over TCP or 128 MiB over QUIC ran a 512 MiB heap out); the flood here is several times
 * the victim's heap.
 */
class HostilePingFloodIT {

    private static final long VOLUME = 4 * Victim.MAX_HEAP;

    @Test
    @Timeout(120)
    void pingEchoFloodOverTcpWithoutReading() throws Exception {
        try (Siege siege = Siege.begin("ping-flood-tcp")) {
            siege.survive(new PingFlood(siege.victim(), false, VOLUME), Siege.Allowance.DEFAULT);
        }
    }

    @Test
    @Timeout(120)
    void pingEchoFloodOverQuicWithoutReading() throws Exception {
        try (Siege siege = Siege.begin("ping-flood-quic")) {
            siege.survive(new PingFlood(siege.victim(), true, VOLUME), Siege.Allowance.DEFAULT);
        }
    }
}
