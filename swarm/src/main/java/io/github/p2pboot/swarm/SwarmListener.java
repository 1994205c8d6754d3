package io.github.p2pboot.swarm;

import io.github.p2pboot.identity.PeerId;

/**
 * Receives a swarm's connection events. Called on Netty event loops: implementations must return
 * quickly and never block.
 */
public interface SwarmListener {

    /** A connection was secured and is ready for streams. */
    default void connectionOpened(Connection connection) {
    }

    /** A connection closed; {@code cause} says why. */
    default void connectionClosed(Connection connection, CloseCause cause) {
    }

    /** Identify told us (again) what a peer listens on and which protocols it serves. */
    default void peerIdentified(PeerId peer, PeerInfo info) {
    }
}
