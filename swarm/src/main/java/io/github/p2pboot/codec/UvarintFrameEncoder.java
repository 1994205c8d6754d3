package io.github.p2pboot.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Prefixes each outbound {@link ByteBuf} with its length as an unsigned varint. */
@ChannelHandler.Sharable
public final class UvarintFrameEncoder extends MessageToByteEncoder<ByteBuf> {

    public static final UvarintFrameEncoder INSTANCE = new UvarintFrameEncoder();

    private UvarintFrameEncoder() {
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, ByteBuf out) {
        Varint.write(msg.readableBytes(), out);
        out.writeBytes(msg);
    }
}
