package io.github.p2pboot.fuzzing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;

/** A last handler that keeps a copy of the bytes it receives and releases them, as a protocol would. */
public final class Capture extends ChannelInboundHandlerAdapter {

    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    public byte[] received() {
        return received.toByteArray();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof ByteBuf b) {
                byte[] bytes = new byte[b.readableBytes()];
                b.getBytes(b.readerIndex(), bytes);
                received.writeBytes(bytes);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }
}
