package io.github.p2pboot.kademlia;

import com.google.protobuf.InvalidProtocolBufferException;
import io.github.p2pboot.codec.UvarintFrameDecoder;
import io.github.p2pboot.codec.UvarintFrameEncoder;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.kademlia.pb.DhtProto.Message;
import io.github.p2pboot.swarm.ProtocolHandler;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.swarm.Swarm;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kademlia messages on streams: uvarint-length-prefixed protobuf {@link Message}s, at most
 * {@value #MAX_MESSAGE_SIZE} bytes each. As a client, one request per stream; as a server, every
 * request the peer sends on a stream is answered in turn.
 */
final class KadStreams {

    /** Large enough for a record of the largest accepted value and 20 peers with their addresses. */
    static final int MAX_MESSAGE_SIZE = 1024 * 1024;

    private static final Logger log = LoggerFactory.getLogger(KadStreams.class);

    private KadStreams() {
    }

    /** Answers requests; returns the response, or null when the request type has none. */
    interface RequestHandler {
        Message handle(PeerId from, Message request) throws InvalidRequestException;

        /** The peer sent something that is not a valid request. */
        void misbehaved(PeerId peer, String problem);
    }

    /** A request that is refused; its stream is closed without an answer. */
    static final class InvalidRequestException extends Exception {
        InvalidRequestException(String message) {
            super(message);
        }
    }

    /**
     * Sends {@code request} to {@code peer} and completes with its response, or with null once sent
     * if {@code expectResponse} is false.
     */
    static CompletableFuture<Message> request(Swarm swarm, String protocol, PeerId peer, Message request, boolean expectResponse,
            Duration timeout) {
        CompletableFuture<Message> response = new CompletableFuture<>();
        swarm.newStream(peer, protocol).whenComplete((stream, error) -> {
            if (error != null) {
                response.completeExceptionally(error);
                return;
            }
            stream.channel().pipeline().addLast(new UvarintFrameDecoder(MAX_MESSAGE_SIZE), UvarintFrameEncoder.INSTANCE,
                    new ResponseReader(peer, response));
            stream.channel().writeAndFlush(Unpooled.wrappedBuffer(request.toByteArray())).addListener(f -> {
                if (!f.isSuccess()) {
                    response.completeExceptionally(f.cause());
                } else if (!expectResponse) {
                    response.complete(null);
                }
            });
            response.whenComplete((m, e) -> stream.close());
            stream.channel().eventLoop().schedule(() -> {
                response.completeExceptionally(new IOException("no Kademlia response from " + peer + " within " + timeout.toMillis() + " ms"));
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        });
        return response;
    }

    static ProtocolHandler server(String protocol, RequestHandler handler) {
        return new ProtocolHandler() {
            @Override
            public String protocolId() {
                return protocol;
            }

            @Override
            public void handleStream(Stream stream) {
                stream.channel().pipeline().addLast(new UvarintFrameDecoder(MAX_MESSAGE_SIZE), UvarintFrameEncoder.INSTANCE,
                        new RequestReader(stream.remotePeer(), handler));
            }
        };
    }

    private static final class ResponseReader extends SimpleChannelInboundHandler<ByteBuf> {
        private final PeerId peer;
        private final CompletableFuture<Message> response;

        ResponseReader(PeerId peer, CompletableFuture<Message> response) {
            this.peer = peer;
            this.response = response;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            try {
                response.complete(Message.parseFrom(ByteBufUtil.getBytes(frame)));
            } catch (InvalidProtocolBufferException e) {
                response.completeExceptionally(new IOException("Kademlia response from " + peer + " is not a valid message: " + e.getMessage(), e));
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            response.completeExceptionally(new IOException("Kademlia stream to " + peer + " closed before a response"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            response.completeExceptionally(new IOException("Kademlia response from " + peer + " refused: " + cause.getMessage(), cause));
            ctx.close();
        }
    }

    private static final class RequestReader extends SimpleChannelInboundHandler<ByteBuf> {
        private final PeerId peer;
        private final RequestHandler handler;

        RequestReader(PeerId peer, RequestHandler handler) {
            this.peer = peer;
            this.handler = handler;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            Message request;
            try {
                request = Message.parseFrom(ByteBufUtil.getBytes(frame));
            } catch (InvalidProtocolBufferException e) {
                refuse(ctx, "request is not a valid Kademlia message: " + e.getMessage());
                return;
            }
            try {
                Message response = handler.handle(peer, request);
                if (response != null) {
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(response.toByteArray()));
                }
            } catch (InvalidRequestException e) {
                refuse(ctx, e.getMessage());
            }
        }

        private void refuse(ChannelHandlerContext ctx, String problem) {
            log.debug("Refusing a Kademlia request from {}: {}", peer, problem);
            handler.misbehaved(peer, problem);
            ctx.close();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                // The peer sent its last request: end the stream once the answers are out.
                Stream.closeWhenFlushed(ctx);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Oversized or corrupt frames: only this stream is closed.
            refuse(ctx, cause.getMessage());
        }
    }
}
