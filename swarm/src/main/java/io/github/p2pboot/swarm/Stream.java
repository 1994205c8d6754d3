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
     * Ends our side of the stream once everything written to it so far has gone out (QUIC or
     * Yamux FIN), then closes it. A plain {@link #close()} right after a write may drop that write
     * while it is still queued; a protocol that answers and then ends the stream uses this.
     */
    default void closeWhenFlushed() {
        io.github.p2pboot.transport.StreamEnds.closeWhenFlushed(channel(), channel());
    }
}
