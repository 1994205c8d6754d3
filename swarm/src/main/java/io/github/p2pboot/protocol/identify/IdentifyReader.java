package io.github.p2pboot.protocol.identify;

import io.github.p2pboot.codec.UvarintFrameDecoder;
import io.github.p2pboot.codec.UvarintFrameEncoder;
import io.github.p2pboot.protocol.identify.pb.IdentifyProto;
import io.github.p2pboot.swarm.Stream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads and writes identify records on a stream, each within a deadline. A record may arrive
 * split over several length-prefixed messages (go-libp2p splits large ones); they are merged into
 * one bounded {@link IdentifyRecord} until the peer closes its side. Each message is decoded as it
 * arrives and its buffer released: nothing holds a peer's bytes once they are read.
 */
final class IdentifyReader extends SimpleChannelInboundHandler<ByteBuf> {

    private final IdentifyRecord record = new IdentifyRecord();
    private final CompletableFuture<IdentifyRecord> result = new CompletableFuture<>();
    private final int maxSize;
    private final Duration timeout;
    private ScheduledFuture<?> deadline;
    private int received;

    private IdentifyReader(int maxSize, Duration timeout) {
        this.maxSize = maxSize;
        this.timeout = timeout;
    }

    /**
     * Reads the peer's record; fails, closing the stream, if it is invalid, exceeds {@code maxSize}
     * bytes in all, or has not ended within {@code timeout}.
     */
    static CompletableFuture<IdentifyRecord> read(Stream stream, int maxSize, Duration timeout) {
        IdentifyReader reader = new IdentifyReader(maxSize, timeout);
        stream.channel().pipeline().addLast(new UvarintFrameDecoder(maxSize), reader);
        return reader.result;
    }

    /**
     * Writes {@code message}, ends our side and closes the stream. Completes when the stream has
     * closed: at once if all went out, or at {@code timeout} if the peer does not read, when the
     * stream is closed with whatever is still queued.
     */
    static CompletableFuture<Void> writeAndClose(Stream stream, IdentifyProto.Identify message, Duration timeout) {
        Channel channel = stream.channel();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        channel.closeFuture().addListener(f -> closed.complete(null));
        ScheduledFuture<?> deadline = channel.eventLoop().schedule(() -> {
            channel.close();
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        closed.whenComplete((ignored, error) -> deadline.cancel(false));
        channel.pipeline().addLast(UvarintFrameEncoder.INSTANCE);
        channel.writeAndFlush(Unpooled.wrappedBuffer(message.toByteArray())).addListener(f -> {
            if (!f.isSuccess()) {
                channel.close();
            } else if (channel instanceof DuplexChannel duplex) {
                // Half-close: the peer reads until our end of stream, then both sides are done.
                duplex.shutdownOutput().addListener(ChannelFutureListener.CLOSE);
            } else {
                stream.close();
            }
        });
        return closed;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> fail(ctx, new IOException("identify record not complete within " + timeout)),
                timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        if (result.isDone()) {
            return;
        }
        received += frame.readableBytes();
        if (received > maxSize) {
            fail(ctx, new IOException("identify record exceeds " + maxSize + " bytes"));
            return;
        }
        try {
            record.merge(frame.nioBuffer());
        } catch (IOException e) {
            fail(ctx, new IOException("identify record is not valid: " + e.getMessage(), e));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof ChannelInputShutdownEvent) {
            finish(ctx);
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finish(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause);
    }

    private void finish(ChannelHandlerContext ctx) {
        if (received == 0) {
            fail(ctx, new IOException("stream closed before an identify record arrived"));
        } else if (result.complete(record)) {
            cancelDeadline();
            ctx.close();
        }
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        result.completeExceptionally(cause);
        cancelDeadline();
        ctx.close();
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }
}
