package io.github.p2pboot.hostile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Streams without an idle timeout, each buffering an unfinished 1 MiB message (issue 9): 2
 * connections × 240 streams held 505 MB of direct memory for as long as the peer liked.
 */
class HostileStreamsIT {

    @Test
    @Timeout(120)
    void manyStreamsEachHoldingAnUnfinishedMessage() throws Exception {
        try (Siege siege = Siege.begin("unfinished-messages")) {
            // 2 × 100 × ~1 MiB: three times the victim's heap and direct memory together.
            siege.survive(new SlowStreams(siege.victim(), 2, 100), Siege.Allowance.DEFAULT);
        }
    }
}
