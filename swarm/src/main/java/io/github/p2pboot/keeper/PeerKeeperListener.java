package io.github.p2pboot.keeper;

import io.github.p2pboot.identity.PeerId;
import java.time.Duration;
import java.util.Optional;

/**
 * Told what the {@link PeerKeeper} does. Called on the keeper's own thread: implementations must
 * return quickly.
 */
public interface PeerKeeperListener {

    /** A dial of a kept peer (bootstrap or protected) succeeded. */
    default void keptPeerConnected(PeerId peer, boolean bootstrap) {
    }

    /**
     * A dial of a kept peer failed.
     *
     * @param failures failed dials in a row, this one included
     * @param retryIn when the next dial goes out; empty if the back-off gave up on the peer
     */
    default void keptPeerDialFailed(PeerId peer, Throwable error, int failures, Optional<Duration> retryIn) {
    }
}
