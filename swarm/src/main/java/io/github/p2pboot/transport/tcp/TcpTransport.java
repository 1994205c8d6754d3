package io.github.p2pboot.transport.tcp;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.multiaddr.Protocol;
import io.github.p2pboot.resource.ResourceManager;
import io.github.p2pboot.resource.UpgradeSlot;
import io.github.p2pboot.swarm.Direction;
import io.github.p2pboot.swarm.TcpSettings;
import io.github.p2pboot.transport.HostPort;
import io.github.p2pboot.transport.MuxedConnection;
import io.github.p2pboot.transport.PeerIdMismatchException;
import io.github.p2pboot.transport.TrafficCounter;
import io.github.p2pboot.transport.Transport;
import io.github.p2pboot.transport.TransportListener;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libp2p over TCP: each connection is secured with Noise and multiplexed with Yamux, both agreed
 * with multistream-select (spec {@code connections/README.md}). The fallback for peers and
 * networks where QUIC (UDP) does not get through.
 */
public final class TcpTransport implements Transport {

    static final String NAME = "tcp";
    /** The incident kind of an inbound connection whose upgrade failed. */
    static final String UPGRADE_FAILED = "TCP upgrade failed";

    private static final Logger log = LoggerFactory.getLogger(TcpTransport.class);

    private final PrivateKey hostKey;
    private final TcpSettings settings;
    private final EventLoopGroup group;
    private final TransportListener listener;
    private final ChannelGroup servers = new DefaultChannelGroup("tcp-listeners", GlobalEventExecutor.INSTANCE);
    private final List<TcpConnection> connections = new CopyOnWriteArrayList<>();
    private final ResourceManager resources;
    private final TrafficCounter traffic = new TrafficCounter();
    /**
     * The listeners accept on a thread of their own, apart from the connections' event loops: when
     * floods keep those busy, a shared loop accepted late, the kernel's accept queue filled with
     * an attacker's connects, and legit peers' SYNs were dropped (a 7 s dial: three retransmits).
     */
    private volatile EventLoopGroup acceptGroup;

    /**
     * @param resources limits inbound connections still in their upgrade, node-wide and per IP, and
     *     how fast one IP may open them: the swarm's connection limits only see upgraded
     *     connections, so without this a flood of sockets that never finish the handshake would
     *     each hold memory until the handshake timeout
     */
    public TcpTransport(PrivateKey hostKey, TcpSettings settings, EventLoopGroup group, TransportListener listener,
            ResourceManager resources) {
        this.resources = resources;
        this.hostKey = hostKey;
        this.settings = settings;
        this.group = group;
        this.listener = listener;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean canDial(Multiaddr address) {
        return HostPort.match(address, Protocol.TCP) != null;
    }

    @Override
    public boolean canListen(Multiaddr address) {
        HostPort hostPort = HostPort.match(address, Protocol.TCP);
        return hostPort != null && hostPort.isIpLiteral();
    }

    @Override
    public TrafficCounter traffic() {
        return traffic;
    }

    @Override
    public Multiaddr listen(Multiaddr address) throws IOException {
        HostPort hostPort = HostPort.match(address, Protocol.TCP);
        if (hostPort == null || !hostPort.isIpLiteral()) {
            throw new IllegalArgumentException("not a TCP listen address (/ip4|ip6/<ip>/tcp/<port>): " + address);
        }
        ChannelFuture bind = new ServerBootstrap().group(acceptLoop(), group).channel(NioServerSocketChannel.class)
                // A node restarting on its port must not wait for its old connections' TIME_WAIT.
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        UpgradeSlot slot = resources.beginUpgrade(channel.remoteAddress(), "TCP");
                        if (slot == null) {
                            channel.close();
                            return;
                        }
                        // Released once, whether the upgrade ends or the socket closes before it starts.
                        channel.closeFuture().addListener(f -> slot.release());
                        Runnable release = slot::release;
                        channel.pipeline().addLast(new FirstBytesDeadline(resources.limits().firstBytesTimeout(), resources.incidents()));
                        channel.pipeline().addLast(new UpgradeOnActive(Direction.INBOUND, null, (connection, error) -> {
                            release.run();
                            inboundUpgraded(channel, connection, error);
                        }));
                    }
                })
                .bind(hostPort.literalSocketAddress());
        InetSocketAddress boundSocket = hostPort.awaitBind(bind, address);
        servers.add(bind.channel());
        Multiaddr bound = TcpConnection.tcpAddress(boundSocket);
        log.debug("TCP listening on {}", bound);
        return bound;
    }

    private synchronized EventLoopGroup acceptLoop() {
        if (acceptGroup == null) {
            acceptGroup = new io.netty.channel.MultiThreadIoEventLoopGroup(1, io.netty.channel.nio.NioIoHandler.newFactory());
        }
        return acceptGroup;
    }

    @Override
    public CompletableFuture<MuxedConnection> dial(Multiaddr address, PeerId expectedPeer) {
        HostPort hostPort = HostPort.match(address, Protocol.TCP);
        if (hostPort == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("not a TCP address: " + address));
        }
        return hostPort.resolve().thenCompose(remote -> {
            CompletableFuture<MuxedConnection> result = new CompletableFuture<>();
            new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.handshakeTimeout().toMillis())
                    // The upgrade starts from the pipeline, not from a listener on the connect
                    // future: such a listener may run after the peer's first bytes were read.
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            channel.pipeline().addLast(traffic.handler(),
                                    new UpgradeOnActive(Direction.OUTBOUND, expectedPeer, (connection, error) -> {
                                        if (error == null) {
                                            track(connection);
                                            result.complete(connection);
                                        } else {
                                            result.completeExceptionally(dialFailure(address, error));
                                        }
                                    }));
                        }
                    })
                    .connect(remote)
                    .addListener((ChannelFuture connect) -> {
                        if (!connect.isSuccess()) {
                            result.completeExceptionally(new IOException("TCP dial to " + address + " failed: "
                                    + describe(connect.cause()), connect.cause()));
                        }
                    });
            return result;
        });
    }

    /** A peer id mismatch keeps its type, so callers can tell it from a network failure. */
    private static Throwable dialFailure(Multiaddr address, Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof PeerIdMismatchException mismatch) {
                return mismatch;
            }
        }
        return new IOException("TCP dial to " + address + " failed: " + describe(error), error);
    }

    private static String describe(Throwable cause) {
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    private void track(TcpConnection connection) {
        connections.add(connection);
        connection.closeFuture().whenComplete((cause, e) -> connections.remove(connection));
    }

    @Override
    public void close() {
        for (TcpConnection connection : connections) {
            connection.close();
        }
        servers.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        EventLoopGroup accepting = acceptGroup;
        if (accepting != null) {
            accepting.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Starts the upgrade as soon as the connection is up, before any of the peer's bytes are read. */
    private final class UpgradeOnActive extends ChannelInboundHandlerAdapter {
        private final Direction direction;
        private final PeerId expectedPeer;
        private final BiConsumer<TcpConnection, Throwable> done;

        UpgradeOnActive(Direction direction, PeerId expectedPeer, BiConsumer<TcpConnection, Throwable> done) {
            this.direction = direction;
            this.expectedPeer = expectedPeer;
            this.done = done;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            Channel channel = ctx.channel();
            super.channelActive(ctx);
            ctx.pipeline().remove(this);
            TcpUpgrade.upgrade(channel, hostKey, direction, expectedPeer, settings.handshakeTimeout(), settings.maxStreams(), listener, resources.incidents())
                    .whenComplete(done);
        }
    }

    private void inboundUpgraded(Channel channel, TcpConnection connection, Throwable error) {
        if (error != null) {
            if (!FirstBytesDeadline.closedSilent(channel)) {
                resources.incidents().report(UPGRADE_FAILED, channel.remoteAddress(), describe(error));
            }
            return;
        }
        track(connection);
        listener.inboundConnection(connection);
    }
}
