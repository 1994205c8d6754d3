package io.github.p2pboot.swarm;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;

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

    /**
     * A dial to {@code address} failed: unreachable, refused, timed out, or the peer there was not
     * the one the address named.
     *
     * @param transport the name of the transport that tried, e.g. {@code quic-v1} or {@code tcp}
     */
    default void dialFailed(Multiaddr address, String transport, Throwable cause) {
    }

    /** Identify told us (again) what a peer listens on and which protocols it serves. */
    default void peerIdentified(PeerId peer, PeerInfo info) {
    }
}
