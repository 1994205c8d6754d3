package io.github.p2pboot.transport;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Turns multiaddrs into secured, multiplexed connections: QUIC, or TCP upgraded with Noise and
 * Yamux. A transport knows nothing of protocols; it hands every new connection and every stream a
 * peer opens to its {@link TransportListener}, which is the swarm.
 */
public interface Transport extends AutoCloseable {

    /** The name used in metrics and the actuator endpoint, e.g. {@code quic-v1}. */
    String name();

    /** Bytes this transport received and sent on the wire. */
    TrafficCounter traffic();

    boolean canDial(Multiaddr address);

    boolean canListen(Multiaddr address);

    /**
     * Starts listening.
     *
     * @return the address actually bound (a port 0 replaced by the chosen port)
     * @throws IOException if the address cannot be bound, with a message naming it
     */
    Multiaddr listen(Multiaddr address) throws IOException;

    /**
     * Dials {@code address} and completes once the security handshake has verified the peer.
     *
     * @param expectedPeer the peer the caller means to reach, or null to accept any; a handshake
     *     with another peer fails with {@link PeerIdMismatchException}
     */
    CompletableFuture<MuxedConnection> dial(Multiaddr address, PeerId expectedPeer);

    /** Stops listening and closes every connection, telling the peers. */
    @Override
    void close();
}
