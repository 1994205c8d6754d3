package io.github.p2pboot.swarm;

import io.github.p2pboot.identity.PeerId;
import io.netty.channel.Channel;

/**
 * A libp2p stream whose protocol has been negotiated with multistream-select. Its data flows
 * through a Netty {@link Channel}: protocol code adds its handlers to {@code channel().pipeline()}
 * and reads and writes {@code ByteBuf}s.
 */
public interface Stream {

    /** The Netty channel of the stream (a QUIC stream, or a Yamux stream over TCP). */
    Channel channel();

    /** The protocol id both sides agreed on. */
    String protocol();

    Connection connection();

    /** Who opened the stream. */
    Direction direction();

    default PeerId remotePeer() {
        return connection().remotePeer();
    }

    /** Closes both directions of the stream. */
    default void close() {
        channel().close();
    }
}
