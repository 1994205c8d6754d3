package io.github.p2pboot.protocol.ping;

import io.github.p2pboot.multistream.ProtocolNegotiationException;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Stream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.FixedLengthFrameDecoder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One ping stream kept open on a connection and pinged on again and again, as {@code ping/ping.md}
 * intends (at most one outbound ping stream per peer), instead of a new stream per ping. Create it
 * with {@link Ping#keptStream(Connection)}.
 *
 * <p>The stream is opened by the first {@link #ping()}. Pings may overlap: each sends its own
 * payload and the echoes come back in order on the stream. If the peer ends the stream (js-libp2p
 * and go-libp2p end ping streams that stay idle or open too long), the next ping opens a new one;
 * pings in flight on a stream that had answered before are sent again on the new stream, so the
 * caller does not see the change. A stream that ends before answering anything fails its pings
 * with {@link StreamEndedException} instead of being reopened at once, so a peer that ends every
 * stream cannot make us open streams in a loop.
 *
 * <p>Thread-safe. A ping's future completes on the connection's event loop; it has no timeout of
 * its own, so an echo that comes late still completes it (the caller applies its deadline).
 */
public final class PingStream implements AutoCloseable {

    /** Pings waiting for their echo (or for the stream) at most; more fail at once. */
    static final int MAX_IN_FLIGHT = 16;

    private final Connection connection;
    /** Sent on {@link #stream}, oldest first: the order their echoes arrive in. */
    private final ArrayDeque<PendingPing> inFlight = new ArrayDeque<>();
    /** Waiting for the stream to open. */
    private final ArrayDeque<PendingPing> unsent = new ArrayDeque<>();
    private Stream stream;
    private boolean answeredOnStream;
    private boolean opening;
    private boolean closed;
    private int streamsOpened;

    PingStream(Connection connection) {
        this.connection = connection;
    }

    /**
     * Sends one ping on the kept stream, opening the stream first if needed, and completes with
     * the round-trip time from the write of the payload to the arrival of its echo. Fails if the
     * stream cannot be opened ({@link NotSupportedException} if the peer does not serve ping), ends
     * before answering anything ({@link StreamEndedException}), or echoes other bytes (the stream
     * is then closed and the next ping opens another), or if this {@code PingStream} is closed.
     */
    public CompletableFuture<Duration> ping() {
        PendingPing ping = new PendingPing(Ping.payload());
        List<Runnable> completions = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("the ping stream to " + connection.remotePeer() + " is closed"));
            }
            if (inFlight.size() + unsent.size() >= MAX_IN_FLIGHT) {
                return CompletableFuture.failedFuture(new IllegalStateException(MAX_IN_FLIGHT + " pings to " + connection.remotePeer()
                        + " are already waiting for an echo"));
            }
            if (stream != null) {
                send(ping);
            } else {
                unsent.add(ping);
                open(completions);
            }
        }
        completions.forEach(Runnable::run);
        return ping.rtt;
    }

    /** Whether pings can be sent on it: not closed. */
    synchronized boolean isUsable() {
        return !closed;
    }

    /** Whether a stream is open now, so that the next ping needs no stream negotiation. */
    public synchronized boolean isStreamOpen() {
        return stream != null;
    }

    /** How many streams this kept stream has opened so far: one, unless the peer ended some. */
    public synchronized int streamsOpened() {
        return streamsOpened;
    }

    /** Ends the stream and fails the pings still in flight. Idempotent. */
    @Override
    public void close() {
        Stream ended;
        List<PendingPing> failed = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            Ping.forget(connection, this);
            ended = stream;
            stream = null;
            failed.addAll(inFlight);
            failed.addAll(unsent);
            inFlight.clear();
            unsent.clear();
        }
        IllegalStateException cause = new IllegalStateException("the ping stream to " + connection.remotePeer() + " was closed");
        failed.forEach(p -> p.rtt.completeExceptionally(cause));
        if (ended != null) {
            ended.close();
        }
    }

    private void open(List<Runnable> completions) {
        if (opening) {
            return;
        }
        opening = true;
        CompletableFuture<Stream> negotiated = newStream();
        // Outside the lock, and not the async form: opened() runs on the stream's event loop as
        // negotiation ends, so the echo reader is in the pipeline before the stream reads on.
        completions.add(() -> negotiated.whenComplete(this::opened));
    }

    private CompletableFuture<Stream> newStream() {
        if (!connection.isOpen()) {
            return CompletableFuture.failedFuture(new IOException("the connection is closed"));
        }
        try {
            return connection.newStream(Ping.PROTOCOL_ID);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void opened(Stream opened, Throwable error) {
        List<PendingPing> failed = new ArrayList<>();
        boolean discard = false;
        synchronized (this) {
            opening = false;
            if (error != null) {
                failed.addAll(unsent);
                unsent.clear();
            } else if (closed) {
                discard = true;
            } else {
                stream = opened;
                answeredOnStream = false;
                streamsOpened++;
                opened.channel().pipeline().addLast(new FixedLengthFrameDecoder(Ping.PAYLOAD_SIZE), new EchoReader(opened));
                while (!unsent.isEmpty()) {
                    send(unsent.poll());
                }
            }
        }
        if (discard) {
            opened.close();
        }
        if (!failed.isEmpty()) {
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
            // The dialer's words for an "na" to every proposal: the peer is there, it just does
            // not serve ping (js-libp2p's ping is an optional service).
            IOException openFailed = cause instanceof ProtocolNegotiationException && String.valueOf(cause.getMessage()).contains("supports none of")
                    ? new NotSupportedException("peer " + connection.remotePeer() + " does not serve " + Ping.PROTOCOL_ID, cause)
                    : new IOException("could not open a ping stream to " + connection.remotePeer() + ": " + cause.getMessage(), cause);
            failed.forEach(p -> p.rtt.completeExceptionally(openFailed));
        }
    }

    /** Holds the lock. */
    private void send(PendingPing ping) {
        ping.sentAt = System.nanoTime();
        inFlight.add(ping);
        stream.channel().writeAndFlush(Unpooled.wrappedBuffer(ping.payload));
    }

    private void echoed(Stream on, ByteBuf echo) {
        PendingPing answered;
        boolean mismatch = false;
        synchronized (this) {
            if (on != stream) {
                return;
            }
            answered = inFlight.poll();
            if (answered != null && !echo.equals(Unpooled.wrappedBuffer(answered.payload))) {
                mismatch = true;
            } else if (answered != null) {
                answeredOnStream = true;
            }
        }
        if (answered == null || mismatch) {
            String problem = answered == null ? "sent an echo for no ping" : "echoed other bytes than the ping payload";
            if (answered != null) {
                answered.rtt.completeExceptionally(new IOException("peer " + connection.remotePeer() + " " + problem));
            }
            ended(on, new IOException("peer " + connection.remotePeer() + " " + problem + " on the ping stream"), false);
            return;
        }
        answered.rtt.complete(Duration.ofNanos(System.nanoTime() - answered.sentAt));
    }

    /**
     * The stream {@code on} is gone: a new one is opened for the pings in flight if the old one had
     * answered (and {@code resend}), else those pings fail.
     */
    private void ended(Stream on, IOException cause, boolean resend) {
        List<PendingPing> failed = new ArrayList<>();
        List<Runnable> completions = new ArrayList<>();
        synchronized (this) {
            if (on != stream) {
                return;
            }
            stream = null;
            if (resend && answeredOnStream && !closed && !inFlight.isEmpty() && connection.isOpen()) {
                // Sent again, oldest first, ahead of pings that were waiting already (there are none
                // while a stream is open, but keep the order regardless).
                List<PendingPing> again = new ArrayList<>(inFlight);
                again.addAll(unsent);
                unsent.clear();
                unsent.addAll(again);
                open(completions);
            } else {
                failed.addAll(inFlight);
            }
            inFlight.clear();
        }
        on.close();
        StreamEndedException ended = new StreamEndedException(cause.getMessage());
        failed.forEach(p -> p.rtt.completeExceptionally(ended));
        completions.forEach(Runnable::run);
    }

    /** The peer refused to negotiate {@value Ping#PROTOCOL_ID}: it is there, but does not serve ping. */
    public static final class NotSupportedException extends IOException {
        NotSupportedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The peer ended or reset the ping stream before the echo of a ping came back. */
    public static final class StreamEndedException extends IOException {
        StreamEndedException(String message) {
            super(message);
        }
    }

    private static final class PendingPing {
        final byte[] payload;
        final CompletableFuture<Duration> rtt = new CompletableFuture<>();
        long sentAt;

        PendingPing(byte[] payload) {
            this.payload = payload;
        }
    }

    /** Reads the echoes of one stream; a stream that reopens gets a new reader. */
    private final class EchoReader extends SimpleChannelInboundHandler<ByteBuf> {
        private final Stream on;

        EchoReader(Stream on) {
            this.on = on;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf echo) {
            echoed(on, echo);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                ended(on, new IOException("peer " + connection.remotePeer() + " ended the ping stream"), true);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ended(on, new IOException("the ping stream to " + connection.remotePeer() + " closed"), true);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ended(on, new IOException("the ping stream to " + connection.remotePeer() + " failed: " + cause.getMessage(), cause), true);
        }
    }
}
