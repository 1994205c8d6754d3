package io.github.p2pboot.muxer.yamux;

import io.github.p2pboot.resource.Incidents;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Yamux stream multiplexer ({@value #PROTOCOL_ID}) on one connection, as the last handler of
 * the connection's pipeline: it reads and writes plain frames through the handlers before it
 * (which secure the connection), and gives every stream its own Netty {@link Channel}, a
 * {@link io.netty.channel.socket.DuplexChannel} that behaves like a QUIC stream channel with
 * half-closure allowed.
 *
 * <p>Install it with {@code connection.pipeline().addLast(session)}, on a channel that is already
 * active or not. One instance serves one connection. Everything runs on the connection's event
 * loop; {@link #openStream()} and {@link #close()} may be called from any thread.
 *
 * <p>Stream channels: {@code shutdownOutput()} sends FIN after everything written before it;
 * the peer's FIN fires {@link io.netty.channel.socket.ChannelInputShutdownEvent} and the stream
 * stays writable; a stream ended both ways closes itself; the peer's RST closes it quietly
 * (inactive, no exception). {@code close()} sends what the peer's window allows and then FIN, or
 * RST if data is still queued for want of window (close from the last write's listener to send
 * everything). Write futures complete when the data is handed to the connection. A stream's
 * event loop, allocator and addresses are its connection's; closing the connection closes every
 * stream, closing a stream never closes the connection.
 *
 * <p>Streams get the initial window of 256 KiB and never more; each gives window back once its
 * pipeline has been handed half of it. A stream channel is writable only while the peer's window
 * has room and the connection is writable, and fires {@code channelWritabilityChanged} when that
 * changes, so its handlers can stop (reading, writing) instead of buffering for a peer that does
 * not read.
 *
 * <p>Answers the peer makes us write on the session itself are bounded too: while the connection
 * is not writable, only the latest PING is answered once it is again, and once more than
 * {@value #MAX_CONTROL_BACKLOG} bytes of other answers (ACKs of streams, RSTs of refused ones)
 * have been written while it was not, the connection is neither read nor decoded further until
 * it is writable.
 *
 * <p>A peer that breaks the protocol (unknown version or frame type, data beyond the window, a SYN
 * with a wrong or live stream id) gets a GoAway with the protocol error code and the connection is
 * closed. A GoAway from the peer ends the session as the spec says: after a normal one no new
 * stream is opened either way while the open ones finish; one with an error code closes the
 * connection. Such incidents go to the {@link Incidents} given, not to the log directly, so a
 * peer cannot fill the log.
 */
public final class YamuxSession extends ByteToMessageDecoder {

    /** The multistream-select protocol id of Yamux. */
    public static final String PROTOCOL_ID = "/yamux/1.0.0";

    static final int HEADER_LENGTH = 12;
    static final int VERSION = 0;

    static final int TYPE_DATA = 0;
    static final int TYPE_WINDOW_UPDATE = 1;
    static final int TYPE_PING = 2;
    static final int TYPE_GO_AWAY = 3;

    static final int FLAG_SYN = 1;
    static final int FLAG_ACK = 2;
    static final int FLAG_FIN = 4;
    static final int FLAG_RST = 8;

    static final int GO_AWAY_NORMAL = 0;
    static final int GO_AWAY_PROTOCOL_ERROR = 1;
    static final int GO_AWAY_INTERNAL_ERROR = 2;

    /**
     * Bytes of answers (see {@link #writeAnswer}) written while the connection was not writable,
     * beyond which we stop reading it until it is: about 1,400 frames, far more than a peer that
     * reads ever causes (it would have to open that many streams while we could not write).
     */
    static final int MAX_CONTROL_BACKLOG = 16 * 1024;

    static final String PROTOCOL_ERROR = "yamux protocol error";
    static final String GO_AWAY_ERROR = "yamux go-away with error";
    static final String STREAM_LIMIT = "yamux streams beyond the limit";

    private static final Logger log = LoggerFactory.getLogger(YamuxSession.class);

    private final boolean client;
    private final int maxStreams;
    private final Consumer<Channel> inboundStreams;
    private final Incidents incidents;
    private final Object peer;

    private final Map<Integer, YamuxStreamChannel> streams = new HashMap<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final List<CompletableFuture<Channel>> opensBeforeAdded = new ArrayList<>();

    /** Written once on the event loop; read by other threads calling openStream or close. */
    private volatile ChannelHandlerContext ctx;
    private long nextStreamId;
    private int inboundOpen;
    private boolean goAwaySent;
    private boolean goAwayReceived;
    private boolean failed;
    private boolean gone;
    /** The opaque value of the latest PING not answered yet, valid while pingAckPending. */
    private long pendingPingAck;
    private boolean pingAckPending;
    private long controlBacklog;
    private boolean readingStopped;
    private boolean flushScheduled;

    /**
     * @param client true on the side that dialled the connection, which opens odd-numbered
     *     streams; false on the listening side, which opens even-numbered ones
     * @param maxStreams inbound streams beyond this many open at once are refused with RST
     * @param inboundStreams called on the event loop with each new inbound stream channel, after
     *     it is registered and active, before any of its data is delivered; the callee adds
     *     handlers to its pipeline (they then see {@code channelActive})
     * @param incidents where the peer's protocol errors and error GoAways are reported
     * @param peer who the connection is with, as incidents name it (its peer id)
     */
    public YamuxSession(boolean client, int maxStreams, Consumer<Channel> inboundStreams, Incidents incidents,
            Object peer) {
        if (maxStreams < 0) {
            throw new IllegalArgumentException("maxStreams must not be negative: " + maxStreams);
        }
        this.client = client;
        this.maxStreams = maxStreams;
        this.inboundStreams = Objects.requireNonNull(inboundStreams, "inboundStreams");
        this.incidents = Objects.requireNonNull(incidents, "incidents");
        this.peer = Objects.requireNonNull(peer, "peer");
        this.nextStreamId = client ? 1 : 2;
    }

    /**
     * Opens an outbound stream. The channel is registered and active when the future completes:
     * its SYN has been handed to the connection, but the peer's ACK is not awaited, so data can
     * be written at once.
     *
     * <p>The future completes on the event loop while the stream registers, in a task of its own
     * (never within this call): handlers added by a callback chained before that
     * ({@code thenAccept}, not its async form; certain when openStream is called on the event
     * loop) see {@code channelActive}. What the peer sends on the stream is delivered only once the stream
     * has written something (or shut down its output), so handlers added from any thread after
     * the future completed miss nothing, as long as they are in place before the first write. (A
     * libp2p opener always writes first: its multistream-select proposal.)
     *
     * <p>Called before the session is in a pipeline (an {@code addLast} from another thread not
     * yet done), the stream is opened once it is.
     *
     * @return the new stream; fails if the connection is closed or not yet active, the session is
     *     closing, or the peer has sent GoAway
     */
    public CompletableFuture<Channel> openStream() {
        CompletableFuture<Channel> result = new CompletableFuture<>();
        ChannelHandlerContext c = ctx;
        if (c == null) {
            synchronized (this) {
                c = ctx;
                if (c == null) {
                    // addLast from another thread runs handlerAdded later on the event loop.
                    opensBeforeAdded.add(result);
                    return result;
                }
            }
        }
        // Always a later task, even on the loop: a caller there can chain its callbacks before
        // the future completes, and they then run during registration (see above).
        try {
            c.channel().eventLoop().execute(() -> open(result));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    /**
     * Ends the session: sends GoAway (normal termination) and closes the connection once that
     * frame is flushed. Every stream channel becomes inactive.
     *
     * @return completes when the connection is closed
     */
    public CompletableFuture<Void> close() {
        ChannelHandlerContext c = ctx;
        if (c == null) {
            closed.complete(null);
            return closed.copy();
        }
        onLoop(c, () -> {
            if (gone) {
                return;
            }
            if (!goAwaySent) {
                goAwaySent = true;
                c.writeAndFlush(header(c, TYPE_GO_AWAY, 0, 0, GO_AWAY_NORMAL))
                        .addListener(f -> c.channel().close());
            } else {
                c.channel().close();
            }
        }, closed);
        return closed.copy();
    }

    private static void onLoop(ChannelHandlerContext c, Runnable task, CompletableFuture<?> onReject) {
        EventLoop loop = c.channel().eventLoop();
        if (loop.inEventLoop()) {
            task.run();
            return;
        }
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            onReject.completeExceptionally(e);
        }
    }

    private void open(CompletableFuture<Channel> result) {
        ChannelHandlerContext c = ctx;
        if (gone || !c.channel().isOpen()) {
            result.completeExceptionally(new ClosedChannelException());
            return;
        }
        if (!c.channel().isActive()) {
            result.completeExceptionally(new IllegalStateException("Connection is not active yet"));
            return;
        }
        if (goAwaySent) {
            result.completeExceptionally(new IllegalStateException("Yamux session is closing"));
            return;
        }
        if (goAwayReceived) {
            result.completeExceptionally(new IllegalStateException("Peer sent GoAway: no new streams"));
            return;
        }
        if (nextStreamId > 0xFFFF_FFFFL) {
            result.completeExceptionally(new IllegalStateException("Yamux stream ids exhausted"));
            return;
        }
        int id = (int) nextStreamId;
        nextStreamId += 2;
        YamuxStreamChannel stream = new YamuxStreamChannel(this, c.channel(), id, false);
        streams.put(id, stream);
        // Completed from the pipeline while registration runs, like a ChannelInitializer: callbacks
        // chained to the future before that add handlers that still see channelActive.
        stream.pipeline().addLast(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                // A window update without delta carries the SYN; data follows in its own frames.
                writeControl(TYPE_WINDOW_UPDATE, FLAG_SYN, id, 0);
                if (!result.complete(stream)) {
                    // The caller gave up waiting, so nobody else would ever close it.
                    ch.eventLoop().execute(ch::close);
                }
            }
        });
        c.channel().eventLoop().register(stream).addListener(f -> {
            if (!f.isSuccess()) {
                streams.remove(id);
                result.completeExceptionally(f.cause());
            }
        });
    }

    // ---- pipeline events ----

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        List<CompletableFuture<Channel>> early;
        synchronized (this) {
            this.ctx = ctx;
            early = new ArrayList<>(opensBeforeAdded);
            opensBeforeAdded.clear();
        }
        // Covers a channel closed before or after we were added, whatever handlers do with events.
        // The close future notifies on the channel's loop, which is ours.
        ctx.channel().closeFuture().addListener(f -> tearDown());
        super.handlerAdded(ctx);
        for (CompletableFuture<Channel> f : early) {
            open(f);
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        tearDown();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        super.channelInactive(ctx);
        tearDown();
    }

    /**
     * Not ByteToMessageDecoder's: it asks for another read when a read produced no message and
     * auto-read is off, and this decoder never produces one, so it would undo
     * {@link #stopReadingIfBacklogged()}.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        discardSomeReadBytes();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable() && !gone) {
            controlBacklog = 0;
            if (pingAckPending) {
                pingAckPending = false;
                writeControl(TYPE_PING, FLAG_ACK, 0, pendingPingAck);
            }
            if (readingStopped) {
                readingStopped = false;
                // Frames left undecoded when we stopped come first; they may stop us again.
                if (internalBuffer().isReadable()) {
                    channelRead(ctx, Unpooled.EMPTY_BUFFER);
                }
                if (!readingStopped) {
                    ctx.channel().config().setAutoRead(true);
                }
            }
        }
        for (YamuxStreamChannel stream : new ArrayList<>(streams.values())) {
            stream.fireWritability();
        }
        super.channelWritabilityChanged(ctx);
    }

    /**
     * Last in the pipeline, so nobody else would act on it: a broken connection or a bug of ours
     * ends the session rather than leaving streams hanging on a connection in an unknown state.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("Connection {} failed; closing it", ctx.channel(), cause);
            ctx.close();
            return;
        }
        log.warn("Unexpected error on {}; closing the connection", ctx.channel(), cause);
        if (!goAwaySent && !gone) {
            goAwaySent = true;
            ctx.writeAndFlush(header(ctx, TYPE_GO_AWAY, 0, 0, GO_AWAY_INTERNAL_ERROR))
                    .addListener(f -> ctx.channel().close());
        } else {
            ctx.close();
        }
    }

    private void tearDown() {
        if (gone) {
            return;
        }
        gone = true;
        List<YamuxStreamChannel> all = new ArrayList<>(streams.values());
        streams.clear();
        for (YamuxStreamChannel s : all) {
            s.onSessionGone();
        }
        closed.complete(null);
    }

    void streamClosed(YamuxStreamChannel stream) {
        if (streams.remove(stream.streamId(), stream) && stream.isInbound()) {
            inboundOpen--;
        }
    }

    // ---- reading frames ----

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (!failed && !gone && !readingStopped && in.readableBytes() >= HEADER_LENGTH) {
            int at = in.readerIndex();
            int version = in.getUnsignedByte(at);
            int type = in.getUnsignedByte(at + 1);
            int flags = in.getUnsignedShort(at + 2);
            int id = in.getInt(at + 4);
            long length = in.getUnsignedInt(at + 8);
            if (version != VERSION) {
                protocolError("unsupported Yamux version " + version);
                break;
            }
            switch (type) {
                case TYPE_DATA -> {
                    YamuxStreamChannel stream = (flags & FLAG_SYN) == 0 ? streams.get(id) : null;
                    // Checked before buffering, so a lying length cannot make us hold gigabytes.
                    long window = stream != null ? stream.receiveWindow() : YamuxStreamChannel.INITIAL_WINDOW;
                    if (length > window) {
                        protocolError("data frame of " + length + " bytes on stream " + Integer.toUnsignedString(id)
                                + " exceeds the receive window of " + window);
                        continue;
                    }
                    if (in.readableBytes() < HEADER_LENGTH + length) {
                        return;
                    }
                    in.skipBytes(HEADER_LENGTH);
                    onData(id, flags, in.readRetainedSlice((int) length));
                }
                case TYPE_WINDOW_UPDATE -> {
                    in.skipBytes(HEADER_LENGTH);
                    onWindowUpdate(id, flags, length);
                }
                case TYPE_PING -> {
                    in.skipBytes(HEADER_LENGTH);
                    if ((flags & FLAG_SYN) != 0) {
                        answerPing(length);
                    }
                }
                case TYPE_GO_AWAY -> {
                    in.skipBytes(HEADER_LENGTH);
                    onGoAway(length);
                }
                default -> protocolError("unknown Yamux frame type " + type);
            }
        }
        if (failed || gone) {
            in.skipBytes(in.readableBytes());
        }
    }

    /**
     * Answered at once while the connection is writable; otherwise only the latest PING is
     * answered once it is, so a peer that pings and never reads costs us one frame, not a queue.
     */
    private void answerPing(long opaque) {
        if (ctx.channel().isWritable()) {
            writeAnswer(TYPE_PING, FLAG_ACK, 0, opaque);
        } else {
            pendingPingAck = opaque;
            pingAckPending = true;
        }
    }

    /**
     * After a normal GoAway the peer opens no streams and we open none, while the open ones
     * finish; with an error code the peer has given up on the session, so we close it. Repeats
     * change nothing and are not reported again.
     */
    private void onGoAway(long code) {
        boolean first = !goAwayReceived;
        goAwayReceived = true;
        ChannelHandlerContext c = ctx;
        if (code == GO_AWAY_NORMAL) {
            if (first) {
                log.debug("Peer sent GoAway on {}: no new streams", c.channel());
            }
            return;
        }
        failed = true; // nothing after it is read
        incidents.report(GO_AWAY_ERROR, peer, "GoAway with error code " + code + " on " + c.channel()
                + "; closing the connection");
        c.channel().close();
    }

    private void onData(int id, int flags, ByteBuf payload) {
        YamuxStreamChannel stream = streamFor(id, flags);
        if (stream == null) {
            payload.release();
            return;
        }
        if (payload.isReadable()) {
            if (payload.readableBytes() > stream.receiveWindow()) {
                payload.release();
                protocolError("data frame of " + payload.readableBytes() + " bytes on stream "
                        + Integer.toUnsignedString(id) + " exceeds the receive window of " + stream.receiveWindow());
                return;
            }
            stream.onData(payload);
        } else {
            payload.release();
        }
        endFlags(stream, flags);
    }

    private void onWindowUpdate(int id, int flags, long delta) {
        YamuxStreamChannel stream = streamFor(id, flags);
        if (stream == null) {
            return;
        }
        stream.onWindowUpdate(delta);
        endFlags(stream, flags);
    }

    private static void endFlags(YamuxStreamChannel stream, int flags) {
        if ((flags & FLAG_RST) != 0) {
            stream.onReset();
        } else if ((flags & FLAG_FIN) != 0) {
            stream.onFin();
        }
    }

    /** The stream a data or window-update frame is for; null when it is to be ignored. */
    private YamuxStreamChannel streamFor(int id, int flags) {
        if ((flags & FLAG_SYN) == 0) {
            // Frames for streams we closed, reset or refused are expected and harmless.
            return streams.get(id);
        }
        return accept(id);
    }

    private YamuxStreamChannel accept(int id) {
        boolean peerParity = client ? (id & 1) == 0 : (id & 1) == 1;
        if (id == 0 || !peerParity) {
            protocolError("SYN for stream " + Integer.toUnsignedString(id) + ", an id the peer may not open");
            return null;
        }
        if (streams.containsKey(id)) {
            protocolError("SYN for stream " + Integer.toUnsignedString(id) + ", which is already open");
            return null;
        }
        if (goAwaySent || gone) {
            writeAnswer(TYPE_WINDOW_UPDATE, FLAG_RST, id, 0);
            return null;
        }
        if (goAwayReceived) {
            // The peer said it would open no more; a stream it opens anyway is refused.
            writeAnswer(TYPE_WINDOW_UPDATE, FLAG_RST, id, 0);
            return null;
        }
        if (inboundOpen >= maxStreams) {
            incidents.report(STREAM_LIMIT, peer, "refused stream " + Integer.toUnsignedString(id) + " on "
                    + ctx.channel() + ": " + inboundOpen + " inbound streams open");
            writeAnswer(TYPE_WINDOW_UPDATE, FLAG_RST, id, 0);
            return null;
        }
        ChannelHandlerContext c = ctx;
        YamuxStreamChannel stream = new YamuxStreamChannel(this, c.channel(), id, true);
        streams.put(id, stream);
        inboundOpen++;
        writeAnswer(TYPE_WINDOW_UPDATE, FLAG_ACK, id, 0);
        // On the loop, registration completes at once, so handlers are in place before the data
        // of this very frame is delivered; they get channelActive after this listener.
        // The callback runs as registration completes (registered and active, channelActive not
        // yet fired), so the handlers it adds see channelRegistered and channelActive, as those of
        // a QUIC stream do. Registration on our own loop is immediate, so they are in place before
        // the data of the frame that opened the stream.
        stream.pipeline().addLast(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                inboundStreams.accept(ch);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext streamCtx, Throwable cause) {
                log.warn("Inbound stream handler failed for {}; resetting the stream", stream, cause);
                stream.abort();
            }
        });
        c.channel().eventLoop().register(stream).addListener(f -> {
            if (!f.isSuccess()) {
                if (f.cause() instanceof ClosedChannelException) {
                    // The connection closed as the stream arrived: nothing went wrong.
                    log.debug("Inbound stream {} arrived as its connection closed", stream);
                } else {
                    log.warn("Could not register inbound stream {}", stream, f.cause());
                }
                stream.unsafe().closeForcibly();
                streamClosed(stream);
            }
        });
        return stream;
    }

    private void protocolError(String why) {
        if (failed) {
            return;
        }
        failed = true;
        ChannelHandlerContext c = ctx;
        incidents.report(PROTOCOL_ERROR, peer, why + " on " + c.channel() + "; sent GoAway and closed the connection");
        goAwaySent = true;
        c.writeAndFlush(header(c, TYPE_GO_AWAY, 0, 0, GO_AWAY_PROTOCOL_ERROR))
                .addListener(f -> c.channel().close());
    }

    // ---- writing frames ----

    private static ByteBuf header(ChannelHandlerContext c, int type, int flags, int id, long length) {
        ByteBuf b = c.alloc().buffer(HEADER_LENGTH);
        b.writeByte(VERSION);
        b.writeByte(type);
        b.writeShort(flags);
        b.writeInt(id);
        b.writeInt((int) length);
        return b;
    }

    /** A frame without payload, flushed at once: they are few and often unblock the peer. */
    void writeControl(int type, int flags, int id, long length) {
        if (gone) {
            return;
        }
        ChannelHandlerContext c = ctx;
        c.writeAndFlush(header(c, type, flags, id, length));
    }

    /**
     * A control frame that answers one of the peer's frame for frame (an ACK or RST to its SYN, a
     * PING ACK), which a peer that does not read could otherwise make us queue without end. Window
     * updates, FINs and our own RSTs are not answers: they follow what we read or do, so a peer
     * cannot multiply them, and stopping to read because of them could stall two peers that both
     * send much at once.
     */
    private void writeAnswer(int type, int flags, int id, long length) {
        writeControl(type, flags, id, length);
        if (!gone && !ctx.channel().isWritable()) {
            controlBacklog += HEADER_LENGTH;
            stopReadingIfBacklogged();
        }
    }

    /**
     * Stops reading the connection while answers pile up for a peer that does not read them; the
     * connection's writability turning back on resumes it. Data frames need no such stop: their
     * streams turn unwritable with the connection, and their handlers stop there.
     */
    private void stopReadingIfBacklogged() {
        if (controlBacklog > MAX_CONTROL_BACKLOG && !readingStopped && !gone) {
            readingStopped = true;
            ctx.channel().config().setAutoRead(false);
            log.debug("Not reading {} until the peer reads: {} bytes of answers are waiting", ctx.channel(),
                    controlBacklog);
        }
    }

    /** Takes ownership of {@code payload}; the caller flushes. */
    void writeData(int id, ByteBuf payload) {
        if (gone) {
            payload.release();
            return;
        }
        ChannelHandlerContext c = ctx;
        // One buffer for header and payload: the security layer below makes one message of each
        // write (Noise adds 18 bytes to each), so two writes per frame would double its work.
        c.write(c.alloc().compositeBuffer(2).addComponents(true, header(c, TYPE_DATA, 0, id, payload.readableBytes()), payload));
    }

    void flush() {
        if (gone) {
            return;
        }
        ChannelHandlerContext c = ctx;
        c.flush();
        // Seen on a connection whose one stream had stalled on a peer that does not read: frames
        // of its other streams stayed in the connection's buffer unflushed (an explicit flush
        // sent them), so its pings went unanswered until liveness closed it. A flush issued while
        // the connection is inside its own flush (a stream resumed by the writability event it
        // fires as it writes) is the likely way; a flush in a task of its own, once per turn of
        // the loop while data waits, makes sure nothing is left behind.
        io.netty.channel.ChannelOutboundBuffer buffer = c.channel().unsafe().outboundBuffer();
        if (!flushScheduled && buffer != null && !buffer.isEmpty()) {
            flushScheduled = true;
            c.channel().eventLoop().execute(() -> {
                flushScheduled = false;
                if (!gone) {
                    c.flush();
                }
            });
        }
    }
}
