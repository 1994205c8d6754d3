package io.github.p2pboot.protocol.identify;

import com.google.protobuf.InvalidProtocolBufferException;
import io.github.p2pboot.codec.UvarintFrameDecoder;
import io.github.p2pboot.codec.UvarintFrameEncoder;
import io.github.p2pboot.protocol.identify.pb.IdentifyProto;
import io.github.p2pboot.swarm.Stream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Reads and writes identify records on a stream. A record may arrive split over several
 * length-prefixed messages (go-libp2p splits large ones); they are merged until the peer closes
 * its side, as protobuf merging defines.
 */
final class IdentifyReader extends SimpleChannelInboundHandler<ByteBuf> {

    private final IdentifyProto.Identify.Builder merged = IdentifyProto.Identify.newBuilder();
    private final CompletableFuture<IdentifyProto.Identify> result = new CompletableFuture<>();
    private final int maxSize;
    private int received;

    private IdentifyReader(int maxSize) {
        this.maxSize = maxSize;
    }

    static CompletableFuture<IdentifyProto.Identify> read(Stream stream, int maxSize) {
        IdentifyReader reader = new IdentifyReader(maxSize);
        stream.channel().pipeline().addLast(new UvarintFrameDecoder(maxSize), reader);
        return reader.result;
    }

    static void writeAndClose(Stream stream, IdentifyProto.Identify message) {
        stream.channel().pipeline().addLast(UvarintFrameEncoder.INSTANCE);
        stream.channel().writeAndFlush(Unpooled.wrappedBuffer(message.toByteArray())).addListener(f -> {
            if (stream.channel() instanceof DuplexChannel duplex) {
                // Half-close: the peer reads until our end of stream, then both sides are done.
                duplex.shutdownOutput().addListener(ChannelFutureListener.CLOSE);
            } else {
                stream.close();
            }
        });
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
        received += frame.readableBytes();
        if (received > maxSize) {
            fail(ctx, new IOException("identify record exceeds " + maxSize + " bytes"));
            return;
        }
        try {
            merged.mergeFrom(ByteBufUtil.getBytes(frame));
        } catch (InvalidProtocolBufferException e) {
            fail(ctx, new IOException("identify record is not a valid protobuf: " + e.getMessage(), e));
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
        } else if (result.complete(merged.build())) {
            ctx.close();
        }
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        result.completeExceptionally(cause);
        ctx.close();
    }
}
