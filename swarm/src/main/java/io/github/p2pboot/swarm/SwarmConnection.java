package io.github.p2pboot.swarm;

import io.github.p2pboot.codec.UvarintFrameDecoder;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.multistream.MultistreamDialer;
import io.github.p2pboot.multistream.ProtocolNegotiationException;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.resource.ConnectionScope;
import io.github.p2pboot.resource.MemoryBudget;
import io.github.p2pboot.resource.ResourceLimitException;
import io.github.p2pboot.resource.StreamScope;
import io.github.p2pboot.transport.MuxedConnection;
import io.netty.channel.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** The swarm's view of a transport connection: adds ids, timing and protocol negotiation. */
final class SwarmConnection implements Connection {

    private static final AtomicLong IDS = new AtomicLong();

    private final MuxedConnection muxed;
    private final String id = "c" + IDS.incrementAndGet();
    private final Instant openedAt = Instant.now();
    private final Duration negotiationTimeout;
    private final StreamSettings streamSettings;
    private final CompletableFuture<CloseCause> closeFuture = new CompletableFuture<>();
    private final Consumer<SwarmConnection> streamFailed;
    private final Consumer<Stream> streamOpened;
    private final ConnectionScope scope;
    /** Open streams other than ping's, which liveness keeps open on every connection. */
    private final AtomicInteger busyStreams = new AtomicInteger();
    private volatile CloseCause overrideCause;
    private volatile boolean suspect;
    private volatile boolean superseded;
    private volatile long supersededGraceNanos;
    private volatile long idleSinceNanos = System.nanoTime();

    /**
     * @param config where the negotiation timeout and the stream deadlines of the connection's
     *     transport come from
     * @param scope the connection's share of the resource manager, which its streams draw from
     * @param streamFailed told when a stream could not be opened or negotiated, a sign that the
     *     connection may be dead
     */
    SwarmConnection(MuxedConnection muxed, SwarmConfig config, ConnectionScope scope, Consumer<SwarmConnection> streamFailed,
            Consumer<Stream> streamOpened) {
        this.muxed = muxed;
        this.scope = scope;
        this.negotiationTimeout = config.negotiationTimeout();
        this.streamSettings = "tcp".equals(muxed.transport())
                ? config.tcp().streams() : config.quic().streams();
        this.streamFailed = streamFailed;
        this.streamOpened = streamOpened;
        muxed.closeFuture().whenComplete((cause, error) ->
                closeFuture.complete(overrideCause != null ? overrideCause : cause != null ? cause : CloseCause.error(String.valueOf(error))));
    }

    MuxedConnection muxed() {
        return muxed;
    }

    ConnectionScope scope() {
        return scope;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public PeerId remotePeer() {
        return muxed.remotePeer();
    }

    @Override
    public Multiaddr remoteAddress() {
        return muxed.remoteAddress();
    }

    @Override
    public Multiaddr localAddress() {
        return muxed.localAddress();
    }

    @Override
    public Direction direction() {
        return muxed.direction();
    }

    @Override
    public String transport() {
        return muxed.transport();
    }

    @Override
    public Instant openedAt() {
        return openedAt;
    }

    @Override
    public boolean isOpen() {
        return muxed.isOpen();
    }

    @Override
    public CompletableFuture<Stream> newStream(String... protocols) {
        if (protocols.length == 0) {
            throw new IllegalArgumentException("newStream needs at least one protocol id");
        }
        List<String> proposals = List.of(protocols);
        // Counted from the moment it is asked for: a superseded connection must not close under a
        // stream that is still being opened or negotiated.
        Runnable release = countStream();
        CompletableFuture<Stream> stream = muxed.openStream().thenCompose(channel -> {
            channel.closeFuture().addListener(f -> release.run());
            StreamScope streamScope;
            try {
                streamScope = scope.openStream();
            } catch (ResourceLimitException e) {
                channel.close();
                return CompletableFuture.failedFuture(e);
            }
            channel.attr(MemoryBudget.ATTRIBUTE).set(streamScope);
            channel.closeFuture().addListener(f -> streamScope.close());
            return negotiate(channel, proposals, release, streamScope);
        });
        stream.whenComplete((s, error) -> {
            if (error != null) {
                release.run();
                Throwable cause = Futures.unwrap(error);
                if (!(cause instanceof ProtocolNegotiationException) && !(cause instanceof ResourceLimitException)) {
                    streamFailed.accept(this);
                }
            }
        });
        return stream;
    }

    /**
     * Counts a stream the peer opened, from its arrival; the count drops when the stream closes.
     *
     * @return what {@link #stream} takes, to drop the count early for ping's stream
     */
    Runnable countInboundStream(Channel channel) {
        Runnable release = countStream();
        channel.closeFuture().addListener(f -> release.run());
        return release;
    }

    private Runnable countStream() {
        busyStreams.incrementAndGet();
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true) && busyStreams.decrementAndGet() == 0) {
                idleSinceNanos = System.nanoTime();
                if (superseded) {
                    closeOnceIdleFor(supersededGraceNanos);
                }
            }
        };
    }

    /**
     * Wraps a negotiated stream, before its protocol's handlers are added: it is reset once idle
     * for the idle timeout, its length-prefixed messages get the message timeout, and a stream the
     * peer opened stops reading while it cannot write ({@link StreamBackpressure}). Ping's stream,
     * which liveness keeps open on every connection, does not count as keeping the connection busy.
     *
     * <p>Only inbound streams stop reading: there we answer what the peer sends, so a peer that
     * does not read could make us queue answers. On our own streams we write what we choose, and
     * stopping to read while our write waits would deadlock an exchange in which the peer does
     * the same (an echo of more than a window: each would wait for the other to read).
     */
    NegotiatedStream stream(Channel channel, String protocol, Direction direction, Runnable release) {
        if (Ping.PROTOCOL_ID.equals(protocol)) {
            release.run();
        }
        channel.attr(UvarintFrameDecoder.MESSAGE_TIMEOUT).set(streamSettings.messageTimeout());
        if (direction == Direction.INBOUND) {
            channel.pipeline().addLast(new StreamBackpressure());
        }
        if (!streamSettings.idleTimeout().isZero()) {
            channel.pipeline().addLast(new IdleStreamReset(streamSettings.idleTimeout()));
        }
        NegotiatedStream stream = new NegotiatedStream(channel, protocol, this, direction);
        streamOpened.accept(stream);
        return stream;
    }

    /** Whether no stream but liveness's ping stream is open. */
    boolean isIdle() {
        return busyStreams.get() == 0;
    }

    /** Liveness missed a ping on this connection and is checking it. */
    boolean isSuspect() {
        return suspect;
    }

    void suspect(boolean suspect) {
        this.suspect = suspect;
    }

    /** Another connection to the same peer took over: new streams go there. */
    boolean isSuperseded() {
        return superseded;
    }

    /**
     * Marks this connection superseded: new streams go elsewhere, and it closes once it has been
     * idle (no stream but ping's) for {@code grace}. A grace lets a caller that was just handed
     * this connection use it; a suspect connection gets none.
     */
    void supersede(Duration grace) {
        supersededGraceNanos = grace.toNanos();
        superseded = true;
        if (isIdle()) {
            closeOnceIdleFor(supersededGraceNanos);
        }
    }

    private void closeOnceIdleFor(long graceNanos) {
        if (graceNanos <= 0) {
            closeIfStillIdle(0);
            return;
        }
        try {
            muxed.eventLoop().schedule(() -> closeIfStillIdle(graceNanos), graceNanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // The node is stopping: its connections close anyway.
        }
    }

    private void closeIfStillIdle(long graceNanos) {
        // A stream that came and went meanwhile scheduled its own check.
        if (superseded && isOpen() && isIdle() && System.nanoTime() - idleSinceNanos >= graceNanos) {
            close(CloseCause.local("superseded by another connection to the same peer"));
        }
    }

    private CompletableFuture<Stream> negotiate(Channel channel, List<String> proposals, Runnable release, StreamScope streamScope) {
        CompletableFuture<String> selected = new CompletableFuture<>();
        var timeout = channel.eventLoop().schedule(() -> {
            if (selected.completeExceptionally(new TimeoutException("peer " + remotePeer() + " did not agree on any of "
                    + proposals + " within " + negotiationTimeout.toMillis() + " ms"))) {
                channel.close();
            }
        }, negotiationTimeout.toMillis(), TimeUnit.MILLISECONDS);
        channel.pipeline().addLast(new MultistreamDialer(proposals, selected));
        // thenApply runs on the event loop that completes the negotiation, so callers chaining on
        // the result install their handlers before the stream reads any further data.
        return selected.whenComplete((p, e) -> timeout.cancel(false))
                .thenApply(protocol -> {
                    try {
                        streamScope.protocol(protocol);
                    } catch (ResourceLimitException e) {
                        channel.close();
                        throw e;
                    }
                    return stream(channel, protocol, Direction.OUTBOUND, release);
                });
    }

    @Override
    public CompletableFuture<Void> close() {
        return muxed.close();
    }

    /** Closes with a cause other than a plain local close, such as a keep-alive timeout. */
    CompletableFuture<Void> close(CloseCause cause) {
        overrideCause = cause;
        return muxed.close();
    }

    @Override
    public CompletableFuture<CloseCause> closeFuture() {
        // A copy: a caller completing it by hand must not make the swarm forget a live connection.
        return closeFuture.copy();
    }

    @Override
    public String toString() {
        return id + " " + muxed;
    }
}
