package io.github.p2pboot.multistream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * A negotiation decoder that speaks first: it sends its opening messages once, as soon as the
 * channel is active, whether it was added to an active channel (a new QUIC stream) or before.
 */
abstract class OpeningDecoder extends ByteToMessageDecoder {

    private boolean opened;

    /** The bytes to send first, e.g. the multistream header. */
    abstract ByteBuf openingMessages(ChannelHandlerContext ctx);

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            open(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        open(ctx);
        super.channelActive(ctx);
    }

    private void open(ChannelHandlerContext ctx) {
        if (!opened) {
            opened = true;
            ctx.writeAndFlush(openingMessages(ctx));
        }
    }
}
