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

    /** Completes when the stream has closed, however it did. */
    default java.util.concurrent.CompletionStage<Void> closed() {
        java.util.concurrent.CompletableFuture<Void> closed = new java.util.concurrent.CompletableFuture<>();
        channel().closeFuture().addListener(f -> closed.complete(null));
        return closed.minimalCompletionStage();
    }

    /**
     * Whether a write now goes out without piling up in memory: false while the peer's
     * flow-control window for this stream (or its connection's) is used up, or while what was
     * written waits for the transport. Writing while unwritable is allowed, but what is written
     * then is held in memory until the peer takes it.
     */
    default boolean isWritable() {
        return channel().isWritable();
    }

    /**
     * Completes when the stream is writable: at once if it is, otherwise when the peer makes room.
     * It completes on the stream's event loop, so a callback may write at once and must not block;
     * it fails if the stream closes first. A writer that writes while {@link #isWritable()} and
     * then waits on this holds no more than the transport's buffers.
     */
    default java.util.concurrent.CompletionStage<Void> whenWritable() {
        return Writability.whenWritable(channel());
    }

    /** Closes both directions of the stream. */
    default void close() {
        channel().close();
    }

    /**
     * Ends our side of a stream once everything written to it so far has gone out, then closes it.
     * A plain {@code close()} right after a write may drop that write if it is still queued;
     * protocol handlers that answer and then end the stream use this.
     *
     * <p>The end of stream (QUIC FIN, Yamux FIN) goes out with {@code shutdownOutput()} once the data
     * before it has been written. Closing the channel instead sends the FIN from
     * {@code close()}: Netty 4.2.18's QUIC stream does that with a send that quiche refuses while
     * the stream has no send capacity left (congestion or flow control, common under loss), and the
     * FIN is then never sent; the peer waits for an end that does not come.
     */
    static void closeWhenFlushed(io.netty.channel.ChannelHandlerContext ctx) {
        io.netty.channel.Channel channel = ctx.channel();
        if (channel instanceof io.netty.channel.socket.DuplexChannel duplex && !duplex.isOutputShutdown()) {
            // First everything written so far (an empty write completes after them, in order),
            // then the FIN, then the close: shutdownOutput() bypasses writes still queued, so a FIN
            // sent beside them would end the stream short.
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(written -> {
                if (written.isSuccess() && !duplex.isOutputShutdown()) {
                    duplex.shutdownOutput().addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                } else {
                    channel.close();
                }
            });
        } else {
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        }
    }
}
