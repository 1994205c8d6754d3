package io.github.p2pboot.swarm;

import java.time.Duration;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;

/**
 * Receives a swarm's connection events. Called on Netty event loops: implementations must return
 * quickly and never block.
 */
public interface SwarmListener {

    /**
     * A connection was secured and is ready for streams.
     *
     * @param established how many connections to that peer there are now, this one included: 1
     *     means the peer just became connected
     */
    default void connectionOpened(Connection connection, int established) {
    }

    /**
     * A connection closed; {@code cause} says why.
     *
     * @param remaining how many connections to that peer are left: 0 means the peer is now
     *     disconnected
     */
    default void connectionClosed(Connection connection, CloseCause cause, int remaining) {
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

    /**
     * An event loop of the node has not run a task within its deadline: its thread died (an
     * {@link OutOfMemoryError} ends it) or is blocked, and its connections are no longer served.
     * Told once; the node should be restarted. Runs on the watchdog's own thread.
     *
     * @param index which of the node's event loops
     */
    default void eventLoopUnresponsive(int index) {
    }

    /**
     * A dial of {@code peer} began (one per dial: callers joining a dial under way start none).
     * Called on the dialling thread; must not block.
     */
    default void dialStarted(PeerId peer) {
    }

    /** The dial begun in {@link #dialStarted} ended: connected if {@code error} is null. Must not block. */
    default void dialFinished(PeerId peer, Duration duration, Throwable error) {
    }

    /**
     * A stream's protocol was agreed, inbound or outbound, just before its handler gets it; on the
     * stream's event loop, so must not block. {@link Stream#closed()} tells when it ends.
     */
    default void streamOpened(Stream stream) {
    }
}
