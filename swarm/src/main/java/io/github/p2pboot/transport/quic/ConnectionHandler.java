package io.github.p2pboot.transport.quic;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import java.util.concurrent.RejectedExecutionException;

/**
 * Sits on a QUIC connection's channel and remembers what the close cause needs: the peer's close
 * frame and the last error.
 */
class ConnectionHandler extends ChannelInboundHandlerAdapter {

    private volatile QuicConnectionCloseEvent peerClose;
    private volatile Throwable lastError;

    QuicConnectionCloseEvent peerClose() {
        return peerClose;
    }

    Throwable lastError() {
        return lastError;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof QuicConnectionCloseEvent close) {
            peerClose = close;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        lastError = cause;
        closeLater(ctx.channel(), ctx.channel()::close);
    }

    /**
     * Runs {@code close} in a later task of the connection's event loop, never inside the current
     * one. Netty 4.2.18's QUIC channel, closed from within its own packet processing (a handler's
     * {@code channelActive} or {@code exceptionCaught} while a packet is being received), can spin
     * forever in {@code quiche_conn_send}, taking the whole event loop with it: seen with a dial
     * refused for the wrong peer id.
     */
    static void closeLater(Channel channel, Runnable close) {
        try {
            channel.eventLoop().execute(close);
        } catch (RejectedExecutionException shuttingDown) {
            close.run();
        }
    }
}
