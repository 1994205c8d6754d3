package io.github.p2pboot.transport.tcp;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.multiaddr.Protocol;
import io.github.p2pboot.muxer.yamux.YamuxSession;
import io.github.p2pboot.resource.Incidents;
import io.github.p2pboot.swarm.CloseCause;
import io.github.p2pboot.swarm.Direction;
import io.github.p2pboot.transport.MuxedConnection;
import io.github.p2pboot.transport.TransportListener;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A TCP connection after its upgrade: Noise has authenticated the peer and encrypts the bytes,
 * and a {@link YamuxSession} at the end of the pipeline carries the streams.
 */
final class TcpConnection implements MuxedConnection {

    /**
     * When the connection stops being writable, and with it every Yamux stream on it. Above
     * Netty's default (64 KiB), so that one stream sending at full speed (its window is 256 KiB)
     * does not turn the others off; low enough that a peer that does not read holds little.
     */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(128 * 1024, 512 * 1024);

    private final Channel channel;
    private final PeerId remotePeer;
    private final Direction direction;
    private final Multiaddr remoteAddress;
    private final Multiaddr localAddress;
    private final YamuxSession session;
    private final CompletableFuture<CloseCause> closeFuture = new CompletableFuture<>();
    private volatile boolean closedLocally;
    private volatile Throwable lastError;

    /** Installs the Yamux session on {@code channel}; call on its event loop. */
    TcpConnection(Channel channel, PeerId remotePeer, Direction direction, int maxStreams, TransportListener listener,
            Incidents incidents) {
        this.channel = channel;
        this.remotePeer = remotePeer;
        this.direction = direction;
        this.remoteAddress = tcpAddress((InetSocketAddress) channel.remoteAddress());
        this.localAddress = tcpAddress((InetSocketAddress) channel.localAddress());
        channel.config().setWriteBufferWaterMark(WATER_MARK);
        this.session = new YamuxSession(direction == Direction.OUTBOUND, maxStreams,
                stream -> listener.inboundStream(this, stream), incidents, remotePeer);
        channel.pipeline().addLast(session);
        channel.pipeline().addLast(new ErrorRecorder());
        channel.closeFuture().addListener(f -> closeFuture.complete(closeCause()));
    }

    static Multiaddr tcpAddress(InetSocketAddress address) {
        return Multiaddr.fromSocketAddress(address, Protocol.TCP);
    }

    private CloseCause closeCause() {
        if (closedLocally) {
            return CloseCause.local("closed by this node");
        }
        Throwable error = lastError;
        if (error != null) {
            return CloseCause.error(String.valueOf(error.getMessage()));
        }
        return new CloseCause(CloseCause.Kind.REMOTE, "connection closed");
    }

    @Override
    public PeerId remotePeer() {
        return remotePeer;
    }

    @Override
    public Multiaddr remoteAddress() {
        return remoteAddress;
    }

    @Override
    public Multiaddr localAddress() {
        return localAddress;
    }

    @Override
    public Direction direction() {
        return direction;
    }

    @Override
    public String transport() {
        return TcpTransport.NAME;
    }

    @Override
    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public CompletableFuture<Channel> openStream() {
        return session.openStream();
    }

    @Override
    public CompletableFuture<Void> close() {
        closedLocally = true;
        // Yamux's GoAway tells the peer the close is deliberate before the socket goes.
        return session.close();
    }

    @Override
    public CompletableFuture<CloseCause> closeFuture() {
        return closeFuture;
    }

    @Override
    public String toString() {
        return "tcp " + direction.name().toLowerCase() + " " + remotePeer + " at " + remoteAddress;
    }

    /** Last in the pipeline: remembers the error that ends the connection, for its close cause. */
    private final class ErrorRecorder extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            lastError = cause;
            ctx.close();
        }
    }
}
