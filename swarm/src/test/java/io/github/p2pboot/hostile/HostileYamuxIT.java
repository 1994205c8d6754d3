package io.github.p2pboot.hostile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Yamux answers written without backpressure (issue 9): 27 MiB of PING frames from a peer that
 * never reads took 466 MB of heap and all 512 MiB of direct memory.
 */
class HostileYamuxIT {

    /** 16 MiB of 12-byte frames: each answer the victim queues costs far more than 12 bytes. */
    private static final long FRAMES = 16 * Attacks.MIB / RawTcpPeer.HEADER;

    @Test
    @Timeout(120)
    void pingFrameFloodWithoutReading() throws Exception {
        try (Siege siege = Siege.begin("yamux-ping-flood")) {
            siege.survive(new ControlFrameFlood(siege.victim(), ControlFrameFlood.Kind.PING, FRAMES), Siege.Allowance.DEFAULT);
        }
    }

    @Test
    @Timeout(120)
    void windowUpdateSynFloodWithoutReading() throws Exception {
        try (Siege siege = Siege.begin("yamux-window-update-flood")) {
            siege.survive(new ControlFrameFlood(siege.victim(), ControlFrameFlood.Kind.WINDOW_UPDATE_SYN, FRAMES), Siege.Allowance.DEFAULT);
        }
    }
}
