package io.github.p2pboot.hostile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Issue 9's goal: any mix of the attacks, from up to 50 identities on one address.
 *
 * <p>Not in the default suite yet: on a 2-core machine shared by the attacker and the victim, a
 * legit peer's TCP dial during the mix's first seconds now and then takes 3 or 7 s, which are SYN
 * retransmits (the victim's memory, log and QUIC dials stay within bounds). Run it with
 * {@code -Dhostile.mixed=true}; it stays here until that is understood and fixed.
 */
@EnabledIfSystemProperty(named = "hostile.mixed", matches = "true")
class HostileMixedIT {

    @Test
    @Timeout(150)
    void everyAttackAtOnceFromFiftyIdentitiesOnOneAddress() throws Exception {
        try (Siege siege = Siege.begin("mixed")) {
            siege.survive(new MixedAttack(siege.victim()), Siege.Allowance.DEFAULT.logLines(10 + MixedAttack.IDENTITIES));
        }
    }
}
