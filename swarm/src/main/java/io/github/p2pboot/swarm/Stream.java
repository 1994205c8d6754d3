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

    /**
     * Closes a stream once everything written to it so far has gone out. A plain {@code close()}
     * right after a write may drop that write if it is still queued; protocol handlers that answer
     * and then end the stream use this.
     *
     * <p>Known issue: when the peer has already ended its side, a js-libp2p peer does not reliably
     * see us end ours (close or FIN): the data arrives, the end sometimes does not. Ending our side
     * first works. Protocols whose peers read a message rather than wait for the end (identify,
     * ping, Kademlia) are not affected.
     */
    static void closeWhenFlushed(io.netty.channel.ChannelHandlerContext ctx) {
        ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    }
}
