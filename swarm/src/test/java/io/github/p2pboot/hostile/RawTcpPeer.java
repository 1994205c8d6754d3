package io.github.p2pboot.hostile;

import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multistream.MultistreamDialer;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.security.noise.NoiseSecurity;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A libp2p TCP peer of our own that does the upgrade properly (multistream-select, the engine's
 * Noise, multistream-select for {@code /yamux/1.0.0}) and then speaks Yamux by hand, so it can
 * misbehave: open streams and send data without waiting for answers, never grant window for what
 * the victim sends, flood control frames, stop reading the socket. It keeps the send window the
 * victim grants per stream ({@link #sendWindow}), so what it sends is valid Yamux.
 */
final class RawTcpPeer implements AutoCloseable {

    static final int HEADER = 12;
    static final int TYPE_DATA = 0;
    static final int TYPE_WINDOW_UPDATE = 1;
    static final int TYPE_PING = 2;
    static final int TYPE_GO_AWAY = 3;
    static final int SYN = 1;
    static final int ACK = 2;
    static final int FIN = 4;
    static final int RST = 8;
    static final int INITIAL_WINDOW = 256 * 1024;

    private final Channel channel;
    private final PeerId victim;
    private final Map<Integer, AtomicLong> sendWindows = new ConcurrentHashMap<>();
    private final AtomicLong received = new AtomicLong();
    private volatile Flood flood;
    private int nextStreamId = 1;

    private RawTcpPeer(Channel channel, PeerId victim) {
        this.channel = channel;
        this.victim = victim;
    }

    /**
     * Connects and upgrades. {@code receiveBuffer} is the socket's receive buffer: small, so that a
     * peer that stops reading makes the victim hold its answers soon.
     */
    static CompletableFuture<RawTcpPeer> connect(EventLoopGroup group, InetSocketAddress victim, PrivateKey identity, int receiveBuffer) {
        CompletableFuture<RawTcpPeer> result = new CompletableFuture<>();
        new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_RCVBUF, receiveBuffer)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) throws Exception {
                        super.channelActive(ctx);
                        ctx.pipeline().remove(this);
                        upgrade(ctx.channel(), identity, result);
                    }
                })
                .connect(victim)
                .addListener((ChannelFuture f) -> {
                    if (!f.isSuccess()) {
                        result.completeExceptionally(f.cause());
                    }
                });
        // On timeout the upgrade's own completion finds the result taken and closes the channel.
        return result.orTimeout(15, TimeUnit.SECONDS);
    }

    private static void upgrade(Channel channel, PrivateKey identity, CompletableFuture<RawTcpPeer> result) {
        CompletableFuture<String> noise = new CompletableFuture<>();
        channel.pipeline().addLast(new MultistreamDialer(List.of(NoiseSecurity.PROTOCOL_ID), noise));
        noise.thenCompose(agreed -> NoiseSecurity.secure(channel, identity, true, null))
                .thenCompose(victim -> {
                    CompletableFuture<String> yamux = new CompletableFuture<>();
                    channel.pipeline().addLast(new MultistreamDialer(List.of("/yamux/1.0.0"), yamux));
                    return yamux.thenApply(agreed -> {
                        RawTcpPeer peer = new RawTcpPeer(channel, victim);
                        channel.pipeline().addLast(peer.new FrameReader());
                        return peer;
                    });
                })
                .whenComplete((peer, error) -> {
                    if (error != null) {
                        channel.close();
                        result.completeExceptionally(error);
                    } else if (!result.complete(peer)) {
                        channel.close();
                    }
                });
    }

    Channel channel() {
        return channel;
    }

    PeerId victim() {
        return victim;
    }

    boolean isOpen() {
        return channel.isActive();
    }

    /** Bytes the victim sent after the upgrade. */
    long received() {
        return received.get();
    }

    /** Stops reading the socket: whatever the victim sends from now on stays with the victim. */
    void stopReading() {
        channel.config().setAutoRead(false);
    }

    static ByteBuf header(int type, int flags, int streamId, long length) {
        ByteBuf b = Unpooled.buffer(HEADER);
        b.writeByte(0).writeByte(type).writeShort(flags).writeInt(streamId).writeInt((int) length);
        return b;
    }

    /** A data frame; counts against the stream's send window. */
    ByteBuf data(int streamId, int flags, ByteBuf payload) {
        AtomicLong window = sendWindows.get(streamId);
        if (window != null) {
            window.addAndGet(-payload.readableBytes());
        }
        return Unpooled.wrappedBuffer(header(TYPE_DATA, flags, streamId, payload.readableBytes()), payload);
    }

    /**
     * Opens a stream and proposes {@code protocol} on it, without waiting for the victim's answer
     * (it comes back as data the victim may or may not get window for); returns the stream id.
     * Written, not flushed, when {@code flush} is false.
     */
    int openStream(String protocol, boolean flush) {
        int id;
        synchronized (this) {
            id = nextStreamId;
            nextStreamId += 2;
        }
        sendWindows.put(id, new AtomicLong(INITIAL_WINDOW));
        channel.write(header(TYPE_WINDOW_UPDATE, SYN, id, 0), channel.voidPromise());
        channel.write(data(id, 0, proposal(protocol)), channel.voidPromise());
        if (flush) {
            channel.flush();
        }
        return id;
    }

    /** What multistream-select's dialer sends first: the header and one proposal. */
    static ByteBuf proposal(String protocol) {
        ByteBuf out = Unpooled.buffer();
        for (String message : new String[] {"/multistream/1.0.0", protocol}) {
            byte[] text = (message + "\n").getBytes(StandardCharsets.UTF_8);
            Varint.write(text.length, out);
            out.writeBytes(text);
        }
        return out;
    }

    /** The window the victim has granted on {@code streamId} that we have not used yet. */
    long sendWindow(int streamId) {
        AtomicLong window = sendWindows.get(streamId);
        return window == null ? 0 : window.get();
    }

    /** Floods the connection; the flood is resumed whenever the victim grants window. */
    Flood flood(Flood.Source source, long budget, Duration stall, Duration max) {
        Flood started = Flood.start(channel, source, budget, stall, max);
        flood = started;
        return started;
    }

    void writeAndFlush(ByteBuf bytes) {
        channel.writeAndFlush(bytes, channel.voidPromise());
    }

    @Override
    public void close() {
        channel.close();
    }

    /**
     * Reads the victim's frames: grants of window are noted; the victim's liveness pings are
     * answered, as a peer that means to stay connected would; everything else is counted and
     * dropped. Other streams the victim opens are reset, and nothing it sends on ours is ever
     * given window back, so the victim can send at most 256 KiB on each of them.
     */
    private final class FrameReader extends ByteToMessageDecoder {
        /** Bytes the victim sent on each of its ping streams, until the protocol is agreed; then null. */
        private final Map<Integer, ByteBuf> pingStreams = new HashMap<>();
        private long skipping;

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (in.isReadable()) {
                if (skipping > 0) {
                    int n = (int) Math.min(skipping, in.readableBytes());
                    in.skipBytes(n);
                    skipping -= n;
                    received.addAndGet(n);
                    continue;
                }
                if (in.readableBytes() < HEADER) {
                    return;
                }
                int type = in.getUnsignedByte(in.readerIndex() + 1);
                int flags = in.getUnsignedShort(in.readerIndex() + 2);
                int id = in.getInt(in.readerIndex() + 4);
                long length = in.getUnsignedInt(in.readerIndex() + 8);
                boolean victimsStream = (id & 1) == 0 && id != 0;
                if (type == TYPE_DATA && victimsStream && (pingStreams.containsKey(id) || (flags & SYN) != 0)) {
                    if (in.readableBytes() < HEADER + length) {
                        return;
                    }
                    in.skipBytes(HEADER);
                    received.addAndGet(HEADER + length);
                    ByteBuf payload = in.readSlice((int) length);
                    if ((flags & SYN) != 0) {
                        acceptVictimStream(ctx, id);
                    }
                    onVictimStreamData(ctx, id, payload, flags);
                    continue;
                }
                in.skipBytes(HEADER);
                received.addAndGet(HEADER);
                if (type == TYPE_DATA) {
                    skipping = length;
                } else if (type == TYPE_WINDOW_UPDATE) {
                    if (victimsStream && (flags & SYN) != 0) {
                        acceptVictimStream(ctx, id);
                    } else if ((flags & (RST | FIN)) != 0) {
                        release(id);
                    }
                    AtomicLong window = sendWindows.get(id);
                    if (window != null && length > 0) {
                        window.addAndGet(length);
                        Flood f = flood;
                        if (f != null) {
                            f.resume();
                        }
                    }
                }
            }
        }

        private void acceptVictimStream(ChannelHandlerContext ctx, int id) {
            ctx.writeAndFlush(header(TYPE_WINDOW_UPDATE, ACK, id, 0));
            pingStreams.put(id, Unpooled.buffer());
        }

        /** Plays multistream-select's listener for ping only, then echoes. */
        private void onVictimStreamData(ChannelHandlerContext ctx, int id, ByteBuf payload, int flags) {
            ByteBuf pending = pingStreams.get(id);
            if (pending == null) {
                return;
            }
            if (pending.capacity() == 0) {
                // agreed: an echo
                if (payload.isReadable()) {
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(header(TYPE_DATA, 0, id, payload.readableBytes()), payload.retain()));
                }
            } else {
                pending.writeBytes(payload);
                String header = readMessage(pending);
                String protocol = header == null ? null : readMessage(pending);
                if (protocol == null) {
                    pending.readerIndex(0);
                    if (pending.readableBytes() > 4096) {
                        reset(ctx, id);
                    }
                    return;
                }
                if (!Ping.PROTOCOL_ID.equals(protocol)) {
                    reset(ctx, id);
                    return;
                }
                ByteBuf answer = proposal(protocol);
                ByteBuf rest = pending.readableBytes() > 0 ? Unpooled.copiedBuffer(pending) : Unpooled.EMPTY_BUFFER;
                pending.release();
                pingStreams.put(id, Unpooled.EMPTY_BUFFER);
                ctx.write(Unpooled.wrappedBuffer(header(TYPE_DATA, 0, id, answer.readableBytes()), answer));
                if (rest.isReadable()) {
                    ctx.write(Unpooled.wrappedBuffer(header(TYPE_DATA, 0, id, rest.readableBytes()), rest));
                }
                ctx.flush();
            }
            if ((flags & (RST | FIN)) != 0) {
                release(id);
            }
        }

        private void reset(ChannelHandlerContext ctx, int id) {
            ctx.writeAndFlush(header(TYPE_WINDOW_UPDATE, RST, id, 0));
            release(id);
        }

        private void release(int id) {
            ByteBuf pending = pingStreams.remove(id);
            if (pending != null && pending.capacity() > 0) {
                pending.release();
            }
        }

        /** One multistream-select message without its newline, or null if not all of it is here. */
        private static String readMessage(ByteBuf in) {
            int start = in.readerIndex();
            long length = Varint.tryRead(in);
            if (length < 0 || in.readableBytes() < length) {
                in.readerIndex(start);
                return null;
            }
            String text = in.readCharSequence((int) length, StandardCharsets.UTF_8).toString();
            return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
