package io.github.p2pboot.hostile;

import io.github.p2pboot.codec.UvarintFrameDecoder;
import io.github.p2pboot.kademlia.pb.DhtProto.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.Channel;
import io.netty.handler.codec.quic.QuicChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Kademlia request on a stream of its own over a raw QUIC connection, and the answer: the
 * victim's multistream-select answer (two uvarint-framed lines) comes first, then the response;
 * empty if the victim closes the stream without one (a refused request).
 */
final class KadRequests {

    private KadRequests() {
    }

    /**
     * @return the response; empty if the victim closed the stream without one, or sent none
     *     within {@code timeout}
     */
    static Optional<Message> request(QuicChannel connection, Message request, Duration timeout) throws Exception {
        CompletableFuture<Optional<Message>> answer = new CompletableFuture<>();
        ChannelInitializer<Channel> reader = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel stream) {
                stream.pipeline().addLast(new UvarintFrameDecoder(2 * 1024 * 1024), new ChannelInboundHandlerAdapter() {
                    private int frames;

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                        ByteBuf frame = (ByteBuf) msg;
                        try {
                            if (++frames > 2) {
                                answer.complete(Optional.of(Message.parseFrom(ByteBufUtil.getBytes(frame))));
                                ctx.close();
                            }
                        } finally {
                            frame.release();
                        }
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        answer.complete(Optional.empty());
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        answer.completeExceptionally(cause);
                        ctx.close();
                    }
                });
            }
        };
        var stream = RawQuicPeer.openStream(connection, KademliaFlood.PROTOCOL, reader).get(10, TimeUnit.SECONDS);
        stream.writeAndFlush(KademliaFlood.frame(request));
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException none) {
            return Optional.empty();
        } finally {
            stream.close();
        }
    }
}
