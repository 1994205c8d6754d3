package io.github.p2pboot.fuzzing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * Feeds fuzz input to the real handlers in an {@link EmbeddedChannel}, one read per chunk, the
 * way a connection delivers them, and stops once the handlers closed the channel. Every buffer
 * comes from a {@link TrackingAllocator}, which is also the channel's allocator.
 */
public final class ChannelFeeder {

    private final EmbeddedChannel channel;
    private final TrackingAllocator allocator;
    private final List<Throwable> escaped = new ArrayList<>();

    public ChannelFeeder(EmbeddedChannel channel, TrackingAllocator allocator) {
        this.channel = channel;
        this.allocator = allocator;
        channel.config().setAllocator(allocator);
    }

    /** Delivers the chunks while the channel is open; returns how many were delivered. */
    public int feed(byte[][] chunks) {
        int delivered = 0;
        for (byte[] chunk : chunks) {
            if (!channel.isOpen()) {
                break;
            }
            ByteBuf in = allocator.copyOf(chunk);
            try {
                channel.writeInbound(in);
            } catch (Throwable t) {
                // EmbeddedChannel rethrows what reached the end of the pipeline.
                escaped.add(t);
            }
            channel.runPendingTasks();
            delivered++;
        }
        return delivered;
    }

    /** Exceptions that reached the end of the pipeline (or were thrown by a write of ours). */
    public List<Throwable> escaped() {
        return escaped;
    }

    /** Everything written to the peer so far, in one array; the buffers are released. */
    public byte[] drainOutbound() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            if (msg instanceof ByteBuf b) {
                byte[] bytes = new byte[b.readableBytes()];
                b.getBytes(b.readerIndex(), bytes);
                out.writeBytes(bytes);
            }
            ReferenceCountUtil.release(msg);
        }
        return out.toByteArray();
    }

    /** Messages that passed the whole pipeline, copied; the buffers are released. */
    public List<byte[]> drainInbound() {
        List<byte[]> out = new ArrayList<>();
        Object msg;
        while ((msg = channel.readInbound()) != null) {
            if (msg instanceof ByteBuf b) {
                byte[] bytes = new byte[b.readableBytes()];
                b.getBytes(b.readerIndex(), bytes);
                out.add(bytes);
            }
            ReferenceCountUtil.release(msg);
        }
        return out;
    }

    /**
     * Closes the channel as the transport would at the end, lets the handlers react, and drops
     * what they wrote; after this every buffer must have been released.
     */
    public void finish() {
        try {
            channel.close();
            channel.runPendingTasks();
            channel.checkException();
        } catch (Throwable t) {
            escaped.add(t);
        }
        drainOutbound();
        drainInbound();
    }

    /**
     * A last handler like the protocols' readers: it closes the stream on an exception and
     * remembers the exception, so the feeder sees what the decoder raised.
     */
    public static final class CloseOnError extends ChannelInboundHandlerAdapter {
        private final List<Throwable> errors = new ArrayList<>();

        public List<Throwable> errors() {
            return errors;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
            ctx.close();
        }
    }
}
