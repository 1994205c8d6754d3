package io.github.p2pboot.transport.quic;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.multiaddr.Protocol;
import io.github.p2pboot.security.tls.Libp2pCertificates;
import io.github.p2pboot.swarm.CloseCause;
import io.github.p2pboot.swarm.Direction;
import io.github.p2pboot.transport.MuxedConnection;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLPeerUnverifiedException;

/** An authenticated QUIC connection: one {@link QuicChannel}, whose streams are libp2p streams. */
final class QuicConnection implements MuxedConnection {

    static final AttributeKey<QuicConnection> KEY = AttributeKey.valueOf(QuicConnection.class, "connection");
    private static final Multiaddr QUIC_V1 = Multiaddr.parse("/quic-v1");

    private final QuicChannel channel;
    private final ConnectionHandler handler;
    private final PeerId remotePeer;
    private final Direction direction;
    private final Multiaddr remoteAddress;
    private final Multiaddr localAddress;
    private final CompletableFuture<CloseCause> closeFuture = new CompletableFuture<>();
    private volatile boolean closedLocally;

    private QuicConnection(QuicChannel channel, ConnectionHandler handler, PeerId remotePeer, Direction direction) {
        this.channel = channel;
        this.handler = handler;
        this.remotePeer = remotePeer;
        this.direction = direction;
        this.remoteAddress = quicAddress((InetSocketAddress) channel.remoteSocketAddress());
        this.localAddress = quicAddress((InetSocketAddress) channel.localSocketAddress());
        channel.closeFuture().addListener(f -> closeFuture.complete(closeCause()));
    }

    /**
     * Wraps a channel whose handshake has completed, deriving the peer id from the certificate the
     * peer presented. The trust manager already verified that certificate during the handshake; it
     * is verified again here because the handshake only tells us it was acceptable, not whose it
     * is.
     */
    static QuicConnection adopt(QuicChannel channel, ConnectionHandler handler, Direction direction)
            throws SSLPeerUnverifiedException, CertificateException {
        Certificate[] chain = channel.sslEngine().getSession().getPeerCertificates();
        X509Certificate[] x509 = Arrays.copyOf(chain, chain.length, X509Certificate[].class);
        PeerId peer = Libp2pCertificates.verify(x509);
        QuicConnection connection = new QuicConnection(channel, handler, peer, direction);
        channel.attr(KEY).set(connection);
        return connection;
    }

    /** For tests in this package: the connection ids are the channel's local and remote addresses. */
    QuicChannel channel() {
        return channel;
    }

    static Multiaddr quicAddress(InetSocketAddress address) {
        return Multiaddr.fromSocketAddress(address, Protocol.UDP).encapsulate(QUIC_V1);
    }

    private CloseCause closeCause() {
        if (closedLocally) {
            return CloseCause.local("closed by this node");
        }
        if (channel.isTimedOut()) {
            return new CloseCause(CloseCause.Kind.IDLE_TIMEOUT, "no packet from the peer within the QUIC idle timeout");
        }
        QuicConnectionCloseEvent peerClose = handler.peerClose();
        if (peerClose != null) {
            String reason = reasonOf(peerClose);
            return new CloseCause(CloseCause.Kind.REMOTE, (peerClose.isApplicationClose() ? "application" : "transport")
                    + " close, code " + peerClose.error() + (reason.isEmpty() ? "" : ", reason '" + reason + "'"));
        }
        Throwable error = handler.lastError();
        if (error != null) {
            return CloseCause.error(String.valueOf(error.getMessage()));
        }
        return new CloseCause(CloseCause.Kind.REMOTE, "connection closed");
    }

    private static String reasonOf(QuicConnectionCloseEvent close) {
        try {
            return new String(close.reason(), StandardCharsets.UTF_8);
        } catch (NullPointerException e) {
            // Netty 4.2.18's reason() dereferences a null reason when the peer sent none.
            return "";
        }
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
        return QuicTransport.NAME;
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
        CompletableFuture<Channel> result = new CompletableFuture<>();
        channel.newStreamBootstrap()
                .type(QuicStreamType.BIDIRECTIONAL)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(StreamResetHandler.INSTANCE)
                .create()
                .addListener(f -> {
                    if (f.isSuccess()) {
                        result.complete((Channel) f.getNow());
                    } else {
                        result.completeExceptionally(f.cause());
                    }
                });
        return result;
    }

    @Override
    public CompletableFuture<Void> close() {
        closedLocally = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        // An application close with code 0 tells the peer this was deliberate, not an error. Later,
        // not now: the caller may be inside this connection's packet processing.
        ConnectionHandler.closeLater(channel,
                () -> channel.close(true, 0, Unpooled.EMPTY_BUFFER).addListener(f -> done.complete(null)));
        return done;
    }

    @Override
    public CompletableFuture<CloseCause> closeFuture() {
        return closeFuture;
    }

    @Override
    public String toString() {
        return "quic " + direction.name().toLowerCase() + " " + remotePeer + " at " + remoteAddress;
    }
}
