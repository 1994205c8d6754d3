package io.github.p2pboot.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.channel.socket.DuplexChannel;

/**
 * Ending our side of a stream once everything written to it so far has gone out, then closing it.
 * A plain {@code close()} right after a write may drop that write if it is still queued; protocol
 * handlers that answer and then end the stream use this.
 *
 * <p>The end of stream (QUIC FIN, Yamux FIN) goes out with {@code shutdownOutput()} once the data
 * before it has been written. Closing the channel instead sends the FIN from {@code close()}:
 * Netty 4.2.18's QUIC stream does that with a send that quiche refuses while the stream has no send
 * capacity left (congestion or flow control, common under loss), and the FIN is then never sent;
 * the peer waits for an end that does not come.
 */
public final class StreamEnds {

    private StreamEnds() {
    }

    /**
     * Ends {@code stream} after what was written before, the end written from {@code from}: the
     * stream's channel, or a handler's context so that the handlers before it (an encoder) see the
     * empty write that marks the end.
     */
    public static void closeWhenFlushed(ChannelOutboundInvoker from, Channel stream) {
        if (stream instanceof DuplexChannel duplex && !duplex.isOutputShutdown()) {
            // First everything written so far (an empty write completes after them, in order),
            // then the FIN, then the close: shutdownOutput() bypasses writes still queued, so a FIN
            // sent beside them would end the stream short.
            from.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
                if (written.isSuccess() && !duplex.isOutputShutdown()) {
                    duplex.shutdownOutput().addListener(ChannelFutureListener.CLOSE);
                } else {
                    stream.close();
                }
            });
        } else {
            from.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
