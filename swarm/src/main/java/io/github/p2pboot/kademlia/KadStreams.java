package io.github.p2pboot.kademlia;

import com.google.protobuf.InvalidProtocolBufferException;
import io.github.p2pboot.codec.UvarintFrameDecoder;
import io.github.p2pboot.codec.UvarintFrameEncoder;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.kademlia.pb.DhtProto.Message;
import io.github.p2pboot.resource.ReadHolds;
import io.github.p2pboot.swarm.ProtocolHandler;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.transport.StreamEnds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kademlia messages on streams: uvarint-length-prefixed protobuf {@link Message}s, at most
 * {@value #MAX_MESSAGE_SIZE} bytes each, requests to the server at most {@link #maxRequestSize}. As a client, one request per stream; as a server, every
 * request the peer sends on a stream is answered in turn.
 *
 * <p>The server holds little for a peer however it behaves: at most
 * {@value #MAX_INBOUND_STREAMS_PER_PEER} open streams per peer; on each, one answer being written
 * at a time, during which the stream is not read (a peer that does not read our answers stops
 * being read, and flow control then stops its sending), and at most
 * {@value #MAX_WAITING_REQUESTS} requests that had already arrived waiting for their turn; an
 * answer not taken within {@link #ANSWER_DEADLINE} ends the stream.
 */
final class KadStreams {

    /** The largest message read: large enough for a record of the largest accepted value and 20 peers with their addresses. */
    static final int MAX_MESSAGE_SIZE = 1024 * 1024;
    /**
     * What a request may carry beside its record's value: the key twice (message and record, at
     * most 256 bytes each), the record's other fields, one provider with its addresses. Requests
     * are read up to the largest value plus this, not {@link #MAX_MESSAGE_SIZE}: each stream of a
     * peer may hold one unfinished request, and answers are the only large messages.
     */
    static final int REQUEST_OVERHEAD = 16 * 1024;
    /**
     * Kademlia streams one peer may have open to us at once. go-, js- and rust-libp2p use one
     * stream per request (or reuse one), and a lookup keeps alpha (3) in flight, so a peer running
     * several lookups at once stays well below this.
     */
    static final int MAX_INBOUND_STREAMS_PER_PEER = 32;
    /**
     * Requests a stream may have waiting while we write an answer: requests that were already in
     * what we read. Clients wait for each answer before the next request, so more is a peer that
     * does not read its answers; its stream is closed.
     */
    static final int MAX_WAITING_REQUESTS = 16;
    /**
     * An answer the transport has not taken within this long (the peer does not read, or is
     * gone without our knowing, as a QUIC peer that closed its side) ends the stream, so that the
     * answer and the stream are not held for as long as the connection lives.
     */
    static final Duration ANSWER_DEADLINE = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(KadStreams.class);

    private KadStreams() {
    }

    /** Answers requests; returns the response, or null when the request type has none. */
    interface RequestHandler {
        Message handle(PeerId from, Message request) throws InvalidRequestException, RefusedRequestException;

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
     * A valid request this node does not serve, for a reason that is not the peer's fault (a store
     * limit, a namespace without a validator): the stream ends without an answer, as go- and
     * rust-libp2p end it, and the peer is not blamed. The handler has logged why.
     */
    static final class RefusedRequestException extends Exception {
        RefusedRequestException() {
            super(null, null, false, false);
        }
    }

    /** What the server's streams hold, over all peers; read by tests and for operations. */
    static final class ServerLoad {
        private final Map<PeerId, Integer> streams = new ConcurrentHashMap<>();
        private final AtomicLong answerBytesPending = new AtomicLong();
        private final AtomicLong requestsServed = new AtomicLong();

        /** Bytes of answers written to streams and not yet taken by the transport. */
        long answerBytesPending() {
            return answerBytesPending.get();
        }

        /** Requests read and handled (answered, refused or without an answer). */
        long requestsServed() {
            return requestsServed.get();
        }

        int streams(PeerId peer) {
            return streams.getOrDefault(peer, 0);
        }

        /** Counts a new stream of {@code peer}; false (and not counted) if it has the most it may have. */
        boolean openStream(PeerId peer) {
            boolean[] admitted = new boolean[1];
            streams.compute(peer, (p, open) -> {
                int count = open == null ? 0 : open;
                admitted[0] = count < MAX_INBOUND_STREAMS_PER_PEER;
                return admitted[0] ? count + 1 : open;
            });
            return admitted[0];
        }

        void closeStream(PeerId peer) {
            streams.computeIfPresent(peer, (p, open) -> open <= 1 ? null : open - 1);
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

    /** The largest request the server reads when records may have values of {@code maxValueSize} bytes. */
    static int maxRequestSize(int maxValueSize) {
        return (int) Math.min(MAX_MESSAGE_SIZE, (long) maxValueSize + REQUEST_OVERHEAD);
    }

    static ProtocolHandler server(String protocol, RequestHandler handler, ServerLoad load, int maxRequestSize) {
        return new ProtocolHandler() {
            @Override
            public String protocolId() {
                return protocol;
            }

            @Override
            public void handleStream(Stream stream) {
                PeerId peer = stream.remotePeer();
                if (!load.openStream(peer)) {
                    log.debug("Closing a Kademlia stream from {}: it has {} open already", peer, MAX_INBOUND_STREAMS_PER_PEER);
                    stream.close();
                    return;
                }
                stream.channel().closeFuture().addListener(f -> load.closeStream(peer));
                stream.channel().pipeline().addLast(new UvarintFrameDecoder(maxRequestSize), UvarintFrameEncoder.INSTANCE,
                        new RequestReader(peer, handler, load));
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
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                // The peer ended its side (how a server refuses a request): no answer will come.
                response.completeExceptionally(new IOException("Kademlia stream to " + peer + " closed before a response"));
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            response.completeExceptionally(new IOException("Kademlia response from " + peer + " refused: " + cause.getMessage(), cause));
            ctx.close();
        }
    }

    /**
     * Answers the requests of one inbound stream, one at a time: while an answer is being written
     * the stream is not read, and requests already read wait in a short queue.
     */
    private static final class RequestReader extends ChannelInboundHandlerAdapter {
        private final PeerId peer;
        private final RequestHandler handler;
        private final ServerLoad load;
        private final ArrayDeque<ByteBuf> waiting = new ArrayDeque<>();
        private boolean writing;
        private boolean inputEnded;
        private boolean closing;

        RequestReader(PeerId peer, RequestHandler handler, ServerLoad load) {
            this.peer = peer;
            this.handler = handler;
            this.load = load;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            if (closing) {
                frame.release();
            } else if (!writing) {
                serve(ctx, frame);
            } else if (waiting.size() < MAX_WAITING_REQUESTS) {
                waiting.add(frame);
            } else {
                frame.release();
                log.debug("Closing a Kademlia stream from {}: more than {} requests sent without reading the answers",
                        peer, MAX_WAITING_REQUESTS);
                close(ctx);
            }
        }

        private void serve(ChannelHandlerContext ctx, ByteBuf frame) {
            Message request;
            try {
                request = Message.parseFrom(ByteBufUtil.getBytes(frame));
            } catch (InvalidProtocolBufferException e) {
                refuse(ctx, "request is not a valid Kademlia message: " + e.getMessage());
                return;
            } finally {
                frame.release();
            }
            load.requestsServed.incrementAndGet();
            Message response;
            try {
                response = handler.handle(peer, request);
            } catch (InvalidRequestException e) {
                refuse(ctx, e.getMessage());
                return;
            } catch (RefusedRequestException e) {
                end(ctx);
                return;
            }
            if (response == null) {
                return;
            }
            byte[] answer = response.toByteArray();
            writing = true;
            // Nothing more is read until the transport has taken this answer: a peer that does not
            // read makes its own sending stop, instead of making us queue answers for it.
            ReadHolds.hold(ctx.channel(), this);
            load.answerBytesPending.addAndGet(answer.length);
            ChannelFuture write = ctx.writeAndFlush(Unpooled.wrappedBuffer(answer));
            ScheduledFuture<?> deadline = write.isDone() ? null : ctx.executor().schedule(() -> {
                if (!write.isDone()) {
                    log.debug("Closing a Kademlia stream from {}: our answer was not read within {} ms", peer,
                            ANSWER_DEADLINE.toMillis());
                    close(ctx);
                }
            }, ANSWER_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            write.addListener(written -> {
                if (deadline != null) {
                    deadline.cancel(false);
                }
                load.answerBytesPending.addAndGet(-answer.length);
                writing = false;
                if (!written.isSuccess()) {
                    close(ctx);
                    return;
                }
                resume(ctx);
            });
        }

        /** After an answer went out: the requests that waited, then reading again. */
        private void resume(ChannelHandlerContext ctx) {
            while (!writing && !closing && !waiting.isEmpty()) {
                serve(ctx, waiting.poll());
            }
            if (writing || closing) {
                return;
            }
            if (inputEnded) {
                end(ctx);
            } else {
                ReadHolds.release(ctx.channel(), this);
            }
        }

        private void refuse(ChannelHandlerContext ctx, String problem) {
            log.debug("Refusing a Kademlia request from {}: {}", peer, problem);
            handler.misbehaved(peer, problem);
            close(ctx);
        }

        /** Ends the stream once what was written has gone out; the rest the peer sent is dropped. */
        private void end(ChannelHandlerContext ctx) {
            if (!closing) {
                closing = true;
                releaseWaiting();
                // From the encoder's place in the pipeline: the empty write that closeWhenFlushed
                // orders after our answers must not pass the encoder, which would frame it as an
                // empty message (a PUT_VALUE echo to the peer, since PUT_VALUE is type 0).
                ChannelHandlerContext encoder = ctx.pipeline().context(UvarintFrameEncoder.INSTANCE);
                if (encoder != null) {
                    StreamEnds.closeWhenFlushed(encoder, encoder.channel());
                } else {
                    ctx.close();
                }
            }
        }

        private void close(ChannelHandlerContext ctx) {
            closing = true;
            releaseWaiting();
            ctx.close();
        }

        private void releaseWaiting() {
            ByteBuf frame;
            while ((frame = waiting.poll()) != null) {
                frame.release();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                // The peer sent its last request: end the stream once the answers are out.
                inputEnded = true;
                if (!writing && waiting.isEmpty()) {
                    end(ctx);
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closing = true;
            releaseWaiting();
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Oversized or corrupt frames: only this stream is closed.
            refuse(ctx, cause.getMessage());
        }
    }
}
