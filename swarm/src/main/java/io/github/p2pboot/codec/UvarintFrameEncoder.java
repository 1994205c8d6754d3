package io.github.p2pboot.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Prefixes each outbound {@link ByteBuf} with its length as an unsigned varint. An empty buffer
 * passes unframed: it is the marker {@link io.github.p2pboot.transport.StreamEnds#closeWhenFlushed} writes
 * to learn when everything before it is out, not a message, and framed it would reach the peer as
 * a zero-length message of its own.
 */
@ChannelHandler.Sharable
public final class UvarintFrameEncoder extends MessageToByteEncoder<ByteBuf> {

    public static final UvarintFrameEncoder INSTANCE = new UvarintFrameEncoder();

    private UvarintFrameEncoder() {
    }

    @Override
    public boolean acceptOutboundMessage(Object msg) throws Exception {
        return super.acceptOutboundMessage(msg) && ((ByteBuf) msg).isReadable();
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, ByteBuf out) {
        Varint.write(msg.readableBytes(), out);
        out.writeBytes(msg);
    }
}
