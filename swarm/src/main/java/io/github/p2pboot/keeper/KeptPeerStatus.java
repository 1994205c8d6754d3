package io.github.p2pboot.keeper;

import io.github.p2pboot.identity.PeerId;
import java.time.Instant;
import java.util.Optional;

/**
 * Where the keeper stands with one kept peer.
 *
 * @param bootstrap whether it is a bootstrap peer (otherwise a protected one)
 * @param failures failed dials in a row since it was last connected
 * @param nextAttempt when the next dial is due, while waiting out a back-off
 * @param lastError why the last dial failed, if it did
 * @param gaveUp whether the back-off gave up on it
 */
public record KeptPeerStatus(PeerId peer, boolean bootstrap, boolean connected, int failures,
        Optional<Instant> nextAttempt, Optional<String> lastError, boolean gaveUp) {
}
