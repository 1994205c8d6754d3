package io.github.p2pboot.hostile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Peers filling the log (issue 9): every Yamux GoAway with an error code logged a WARN and left
 * the connection open (20,000 frames, 20,001 WARN lines in 2.2 s); a TCP reset before Noise
 * logged a WARN with a 21-line stack trace. At most about one line per peer per kind per minute.
 */
class HostileLogFloodIT {

    @Test
    @Timeout(120)
    void goAwayWithErrorFlood() throws Exception {
        try (Siege siege = Siege.begin("log-goaway-flood")) {
            siege.survive(new ControlFrameFlood(siege.victim(), ControlFrameFlood.Kind.GO_AWAY_WITH_ERROR, 20_000),
                    Siege.Allowance.DEFAULT.logLines(5));
        }
    }

    @Test
    @Timeout(120)
    void tcpResetsBeforeNoise() throws Exception {
        try (Siege siege = Siege.begin("log-reset-before-noise")) {
            siege.survive(new ResetsBeforeNoise(siege.victim(), 300), Siege.Allowance.DEFAULT.logLines(5));
        }
    }
}
