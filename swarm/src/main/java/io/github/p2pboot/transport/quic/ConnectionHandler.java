package io.github.p2pboot.transport.quic;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;

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
        ctx.close();
    }
}
