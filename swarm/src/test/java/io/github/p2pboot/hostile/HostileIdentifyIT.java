package io.github.p2pboot.hostile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Identify records kept whole (issue 9): one 64 KB push cost about 1.84 MB of heap, kept for up to
 * 10,000 peers; 250–300 throwaway identities ran a 512 MiB node out of memory in 10 s.
 */
class HostileIdentifyIT {

    @Test
    @Timeout(120)
    void largeIdentifyPushesFromManyThrowawayIdentities() throws Exception {
        try (Siege siege = Siege.begin("identify-pushes")) {
            // 150 × 1.84 MB is twice the heap, were the records kept whole.
            int identities = 150;
            siege.survive(new IdentifyPushes(siege.victim(), identities),
                    Siege.Allowance.DEFAULT.logLines(10 + identities).retainedHeap(Victim.MAX_HEAP / 4));
        }
    }
}
