package io.github.p2pboot.hostile;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multistream.MultistreamListener;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.security.tls.Libp2pTrustManager;
import io.github.p2pboot.security.tls.TlsIdentity;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A libp2p QUIC peer of our own: one identity (its libp2p TLS certificate, made by the engine's
 * {@link TlsIdentity}), one UDP socket on ::1, any number of connections to the victim, and raw
 * streams on which the attack writes what it likes. Streams the victim opens are read and dropped.
 */
final class RawQuicPeer implements AutoCloseable {

    private final Channel socket;
    private final List<QuicChannel> connections = new CopyOnWriteArrayList<>();

    private RawQuicPeer(Channel socket) {
        this.socket = socket;
    }

    static RawQuicPeer create(EventLoopGroup group, PrivateKey identity) {
        TlsIdentity tls = TlsIdentity.generate(identity);
        QuicSslContext ssl = QuicSslContextBuilder.forClient()
                .keyManager(tls.certificateKey(), null, tls.certificate())
                .trustManager(Libp2pTrustManager.trustManagerFactory())
                .applicationProtocols("libp2p")
                .build();
        ChannelHandler codec = new QuicClientCodecBuilder().sslContext(ssl)
                .maxIdleTimeout(30, TimeUnit.SECONDS)
                .initialMaxData(16L * 1024 * 1024)
                .initialMaxStreamDataBidirectionalLocal(1024 * 1024)
                .initialMaxStreamDataBidirectionalRemote(1024 * 1024)
                .initialMaxStreamsBidirectional(1024)
                .initialMaxStreamsUnidirectional(0)
                .build();
        Channel socket = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(codec)
                .bind(new InetSocketAddress("::1", 0)).syncUninterruptibly().channel();
        return new RawQuicPeer(socket);
    }

    /** A new connection to the victim, handshake done (or failed within {@code timeoutMillis}). */
    CompletableFuture<QuicChannel> connect(InetSocketAddress victim, int timeoutMillis) {
        CompletableFuture<QuicChannel> result = new CompletableFuture<>();
        QuicChannel.newBootstrap(socket)
                .handler(new ChannelInboundHandlerAdapter())
                .streamHandler(PingAnswer.INSTANCE)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMillis)
                .remoteAddress(victim)
                .connect()
                .addListener(f -> {
                    if (f.isSuccess()) {
                        QuicChannel connection = (QuicChannel) f.getNow();
                        connections.add(connection);
                        connection.closeFuture().addListener(c -> connections.remove(connection));
                        result.complete(connection);
                    } else {
                        result.completeExceptionally(f.cause());
                    }
                });
        return result;
    }

    /**
     * Opens a stream and writes the multistream-select header and {@code protocol} on it at once,
     * not waiting for the answer; the victim's answer and whatever follows go to {@code handler}
     * (null: read and dropped).
     */
    static CompletableFuture<QuicStreamChannel> openStream(QuicChannel connection, String protocol, ChannelHandler handler) {
        CompletableFuture<QuicStreamChannel> result = new CompletableFuture<>();
        connection.createStream(QuicStreamType.BIDIRECTIONAL, handler != null ? handler : Discard.INSTANCE)
                .addListener(f -> {
                    if (f.isSuccess()) {
                        QuicStreamChannel stream = (QuicStreamChannel) f.getNow();
                        stream.writeAndFlush(RawTcpPeer.proposal(protocol));
                        result.complete(stream);
                    } else {
                        result.completeExceptionally(f.cause());
                    }
                });
        return result;
    }

    /** Leaves: closes each connection (the victim hears of it), then the socket. */
    @Override
    public void close() {
        for (QuicChannel connection : connections) {
            connection.close();
        }
        for (QuicChannel connection : connections) {
            connection.closeFuture().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        socket.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }

    /**
     * The victim's streams: its liveness pings are answered, as a peer that means to stay
     * connected would; other protocols are refused.
     */
    @ChannelHandler.Sharable
    static final class PingAnswer extends ChannelInitializer<Channel> {
        static final PingAnswer INSTANCE = new PingAnswer();

        @Override
        protected void initChannel(Channel stream) {
            stream.pipeline().addLast(new MultistreamListener(
                    Ping.PROTOCOL_ID::equals,
                    (ctx, agreed) -> ctx.pipeline().addLast(new Echo())));
        }
    }

    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Reads and drops. */
    @ChannelHandler.Sharable
    static final class Discard extends ChannelInboundHandlerAdapter {
        static final Discard INSTANCE = new Discard();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

}
