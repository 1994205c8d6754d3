package io.github.p2pboot.swarm;

import io.github.p2pboot.transport.StreamEnds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Stream helpers for tests: an echo protocol and a write-then-read-to-end round trip. */
public final class StreamTestSupport {

    private StreamTestSupport() {
    }

    public static ProtocolHandler echoHandler(String protocolId) {
        return new ProtocolHandler() {
            @Override
            public String protocolId() {
                return protocolId;
            }

            @Override
            public void handleStream(Stream stream) {
                stream.channel().pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                        ctx.writeAndFlush(msg.retain());
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof ChannelInputShutdownEvent) {
                            StreamEnds.closeWhenFlushed(ctx, ctx.channel());
                        }
                    }
                });
            }
        };
    }

    /** Writes {@code data}, half-closes, and collects everything until the peer closes. */
    public static byte[] roundTrip(Stream stream, byte[] data) throws Exception {
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        ByteBuf collected = Unpooled.buffer();
        stream.channel().pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                collected.writeBytes(msg);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                    reply.complete(ByteBufUtil.getBytes(collected));
                    ctx.close();
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                reply.complete(ByteBufUtil.getBytes(collected));
            }
        });
        stream.channel().writeAndFlush(Unpooled.wrappedBuffer(data))
                .addListener(f -> ((DuplexChannel) stream.channel()).shutdownOutput());
        return reply.get(10, TimeUnit.SECONDS);
    }
}
