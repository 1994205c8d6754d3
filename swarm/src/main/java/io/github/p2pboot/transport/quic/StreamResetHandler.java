package io.github.p2pboot.transport.quic;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicStreamResetException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First handler of every QUIC stream: a peer that resets a stream has abandoned it, which is a
 * normal end rather than an error, so the stream is closed quietly (its handlers see it become
 * inactive). Other exceptions pass on to the protocol's handlers.
 */
@ChannelHandler.Sharable
final class StreamResetHandler extends ChannelInboundHandlerAdapter {

    static final StreamResetHandler INSTANCE = new StreamResetHandler();

    private static final Logger log = LoggerFactory.getLogger(StreamResetHandler.class);

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (cause instanceof QuicStreamResetException) {
            log.debug("Peer reset stream {}", ctx.channel());
            ctx.close();
            return;
        }
        super.exceptionCaught(ctx, cause);
    }
}
