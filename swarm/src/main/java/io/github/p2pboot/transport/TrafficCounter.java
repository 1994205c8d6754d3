package io.github.p2pboot.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bytes a transport received and sent on the wire (TCP segments' payload, UDP datagrams),
 * encryption and framing included. Each transport puts {@link #handler()} first in its sockets'
 * pipelines.
 */
public final class TrafficCounter {

    private final LongAdder received = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final ChannelHandler handler = new Counting();

    public long bytesReceived() {
        return received.sum();
    }

    public long bytesSent() {
        return sent.sum();
    }

    /** The handler that counts; sharable, first in the socket's pipeline. */
    public ChannelHandler handler() {
        return handler;
    }

    private static int size(Object msg) {
        if (msg instanceof ByteBuf bytes) {
            return bytes.readableBytes();
        }
        return msg instanceof ByteBufHolder holder ? holder.content().readableBytes() : 0;
    }

    @ChannelHandler.Sharable
    private final class Counting extends ChannelDuplexHandler {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            received.add(size(msg));
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            sent.add(size(msg));
            ctx.write(msg, promise);
        }
    }
}
