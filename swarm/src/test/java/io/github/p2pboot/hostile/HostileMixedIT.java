package io.github.p2pboot.hostile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 9's goal: any mix of the attacks, from up to 50 identities on one address. */
class HostileMixedIT {

    @Test
    @Timeout(150)
    void everyAttackAtOnceFromFiftyIdentitiesOnOneAddress() throws Exception {
        try (Siege siege = Siege.begin("mixed")) {
            siege.survive(new MixedAttack(siege.victim()), Siege.Allowance.DEFAULT.logLines(10 + MixedAttack.IDENTITIES));
        }
    }
}
