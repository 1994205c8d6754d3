package io.github.p2pboot.transport.quic;

import io.github.p2pboot.transport.StreamReset;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamResetException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First handler of every QUIC stream. A peer that resets a stream has abandoned it, which is a
 * normal end rather than an error, so the stream is closed quietly (its handlers see it become
 * inactive); other exceptions pass on to the protocol's handlers. It also registers how
 * {@link StreamReset} resets the stream from our side: RESET_STREAM and STOP_SENDING, then close.
 */
@ChannelHandler.Sharable
final class StreamResetHandler extends ChannelInboundHandlerAdapter {

    static final StreamResetHandler INSTANCE = new StreamResetHandler();

    /** The application error code of our resets; libp2p assigns none to a plain reset. */
    static final int RESET_ERROR_CODE = 0;

    private static final Logger log = LoggerFactory.getLogger(StreamResetHandler.class);

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel() instanceof QuicStreamChannel stream) {
            StreamReset.register(stream, () -> stream.shutdown(RESET_ERROR_CODE).addListener(ChannelFutureListener.CLOSE));
        }
    }

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
