package io.github.p2pboot.hostile;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Connection slots (issue 9): one key on one IP held all 1,024 connection slots with 582
 * re-dials, and 16 of 16 fresh legit peers were refused; the 128-slot pending-upgrade cap on TCP
 * is global (140 idle sockets re-opened at up to 30/s failed 14 of 23 legit TCP dials, a burst of
 * 2,000 made a 10 s TCP outage); 500 simultaneous QUIC dials saw kernel drops and timeouts.
 */
class HostileConnectionsIT {

    @Test
    @Timeout(120)
    void oneKeyOnOneAddressHoldingManyConnections() throws Exception {
        try (Siege siege = Siege.begin("one-key-many-connections")) {
            // More than the victim's 1,024 connection slots, over QUIC where connections are cheap to make.
            siege.survive(new ConnectionHog(siege.victim(), true, 1_100, 64, Duration.ofSeconds(10)),
                    Siege.Allowance.DEFAULT.logLines(20));
        }
    }

    @Test
    @Timeout(120)
    void oneKeyOnOneAddressHoldingManyTcpConnections() throws Exception {
        try (Siege siege = Siege.begin("one-key-many-tcp-connections")) {
            siege.survive(new ConnectionHog(siege.victim(), false, 300, 16, Duration.ofSeconds(8)),
                    Siege.Allowance.DEFAULT.logLines(20));
        }
    }

    @Test
    @Timeout(120)
    void idleTcpSocketsReopenedAsTheyClose() throws Exception {
        try (Siege siege = Siege.begin("idle-sockets-reopened")) {
            siege.survive(new IdleSockets(siege.victim(), 200, 30, Duration.ofSeconds(10)), Siege.Allowance.DEFAULT);
        }
    }

    @Test
    @Timeout(120)
    void burstOfIdleTcpSockets() throws Exception {
        try (Siege siege = Siege.begin("idle-sockets-burst")) {
            siege.survive(new IdleSockets(siege.victim(), 2_000, 0, Duration.ofSeconds(6)), Siege.Allowance.DEFAULT);
        }
    }

    @Test
    @Timeout(180)
    void fiveHundredSimultaneousQuicDials() throws Exception {
        try (Siege siege = Siege.begin("quic-dial-storm")) {
            siege.survive(new QuicDialStorm(siege.victim(), 500), Siege.Allowance.DEFAULT.logLines(20));
        }
    }
}
