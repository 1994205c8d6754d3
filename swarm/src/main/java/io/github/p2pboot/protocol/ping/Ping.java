package io.github.p2pboot.protocol.ping;

import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.ProtocolHandler;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.transport.StreamEnds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.FixedLengthFrameDecoder;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The libp2p ping protocol ({@code ping/ping.md}): the dialer sends 32 random bytes, the listener
 * echoes them, and the round trip is the measure.
 */
public final class Ping {

    public static final String PROTOCOL_ID = "/ipfs/ping/1.0.0";
    static final int PAYLOAD_SIZE = 32;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ProtocolHandler HANDLER = new PingHandler(connection -> { });
    /**
     * The kept stream of each connection that has one (liveness keeps one on every connection),
     * for {@link #ping(Connection)}. Weak: a connection gone takes its entry with it.
     */
    private static final Map<Connection, PingStream> KEPT = Collections.synchronizedMap(new WeakHashMap<>());

    private Ping() {
    }

    /**
     * Serves {@value #PROTOCOL_ID}: echoes every 32-byte payload until the peer closes, so one
     * stream serves any number of pings (a {@link PingStream} on the other side).
     */
    public static ProtocolHandler handler() {
        return HANDLER;
    }

    /**
     * Serves {@value #PROTOCOL_ID} like {@link #handler()}, and tells {@code pinged} of every ping
     * a peer sends: proof that the peer is alive, which liveness uses instead of pinging back.
     * Called on the stream's event loop; must not block.
     */
    public static ProtocolHandler handler(Consumer<Connection> pinged) {
        return new PingHandler(pinged);
    }

    /**
     * A ping stream for {@code connection}, kept open and pinged on repeatedly; the stream opens
     * with the first ping. Close it when done.
     */
    public static PingStream keptStream(Connection connection) {
        PingStream kept = new PingStream(connection);
        KEPT.put(connection, kept);
        return kept;
    }

    /**
     * Pings the peer of {@code connection} once and returns the round-trip time: on the
     * connection's {@linkplain #keptStream kept stream} if it has one, else on a new stream.
     * {@code ping/ping.md}: "The dialing peer MUST NOT keep more than one outbound stream for the
     * ping protocol per peer"; rust-libp2p keeps one inbound ping stream per connection and closes
     * the older when another comes, so a second stream beside liveness's failed one of the two.
     */
    public static CompletableFuture<Duration> ping(Connection connection) {
        PingStream kept = KEPT.get(connection);
        if (kept != null && kept.isUsable()) {
            return kept.ping();
        }
        return connection.newStream(PROTOCOL_ID).thenCompose(Ping::ping);
    }

    static void forget(Connection connection, PingStream kept) {
        KEPT.remove(connection, kept);
    }

    static byte[] payload() {
        byte[] payload = new byte[PAYLOAD_SIZE];
        RANDOM.nextBytes(payload);
        return payload;
    }

    private static CompletableFuture<Duration> ping(Stream stream) {
        byte[] payload = payload();
        CompletableFuture<Duration> rtt = new CompletableFuture<>();
        long sentAt = System.nanoTime();
        stream.channel().pipeline().addLast(new FixedLengthFrameDecoder(PAYLOAD_SIZE), new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf echo) {
                if (echo.equals(Unpooled.wrappedBuffer(payload))) {
                    rtt.complete(Duration.ofNanos(System.nanoTime() - sentAt));
                } else {
                    rtt.completeExceptionally(new IOException("ping echo from " + stream.remotePeer() + " differs from the payload sent"));
                }
                ctx.close();
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                rtt.completeExceptionally(new IOException("ping stream to " + stream.remotePeer() + " closed before the echo"));
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                rtt.completeExceptionally(cause);
                ctx.close();
            }
        });
        stream.channel().writeAndFlush(Unpooled.wrappedBuffer(payload));
        rtt.whenComplete((d, e) -> stream.close());
        return rtt;
    }

    private static final class PingHandler implements ProtocolHandler {
        private final Consumer<Connection> pinged;

        PingHandler(Consumer<Connection> pinged) {
            this.pinged = pinged;
        }

        @Override
        public String protocolId() {
            return PROTOCOL_ID;
        }

        @Override
        public void handleStream(Stream stream) {
            stream.channel().pipeline().addLast(new FixedLengthFrameDecoder(PAYLOAD_SIZE), new EchoHandler(stream.connection(), pinged));
        }
    }

    private static final class EchoHandler extends SimpleChannelInboundHandler<ByteBuf> {
        private final Connection connection;
        private final Consumer<Connection> pinged;
        /** The echoes of the current read, written together when it completes. */
        private ByteBuf echoes;

        EchoHandler(Connection connection, Consumer<Connection> pinged) {
            super(false);
            this.connection = connection;
            this.pinged = pinged;
        }

        /**
         * Echoes are gathered per read and written as one buffer, not one write each: a read of
         * many payloads then costs one frame (and one Noise message), not one per 32 bytes. What
         * a peer that never reads the echoes can make us hold is bounded by the swarm, which
         * stops reading a stream while it is not writable.
         */
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf payload) {
            try {
                if (echoes == null) {
                    echoes = ctx.alloc().buffer(payload.readableBytes());
                }
                echoes.writeBytes(payload);
            } finally {
                payload.release();
            }
            pinged.accept(connection);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ByteBuf batch = echoes;
            echoes = null;
            if (batch != null) {
                ctx.writeAndFlush(batch, ctx.voidPromise());
            }
            ctx.fireChannelReadComplete();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (echoes != null) {
                echoes.release();
                echoes = null;
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                // The dialer is done pinging: finish our side too, after the last echo.
                ByteBuf batch = echoes;
                echoes = null;
                if (batch != null) {
                    ctx.write(batch, ctx.voidPromise());
                }
                StreamEnds.closeWhenFlushed(ctx, ctx.channel());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
