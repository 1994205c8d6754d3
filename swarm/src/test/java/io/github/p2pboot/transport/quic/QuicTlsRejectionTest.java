package io.github.p2pboot.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.security.tls.TlsIdentity;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import io.github.p2pboot.transport.HostPort;
import io.github.p2pboot.multiaddr.Protocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A listener must refuse every dialer that does not prove a libp2p identity, and go on serving
 * the others. The bad dialers here are raw Netty QUIC clients, not swarms.
 */
class QuicTlsRejectionTest {

    private static final String EXTENSION_OID = "1.3.6.1.4.1.53594.1.1";

    private final TestSwarms swarms = new TestSwarms();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void close() {
        swarms.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void dialerWithoutCertificateIsRefused() throws Exception {
        Swarm listener = swarms.start();

        assertThatThrownBy(() -> handshake(listener, null, null)).hasMessageContaining("handshake");
        assertStillServes(listener);
    }

    @Test
    void certificateWithoutLibp2pExtensionIsRefused() throws Exception {
        Swarm listener = swarms.start();
        KeyPair keyPair = ecKeyPair();

        assertThatThrownBy(() -> handshake(listener, keyPair, certificate(keyPair, null))).hasMessageContaining("handshake");
        assertStillServes(listener);
    }

    @Test
    void extensionSignedForAnotherCertificateKeyIsRefused() throws Exception {
        Swarm listener = swarms.start();
        // The extension of a genuine identity, moved into a certificate of another key pair:
        // its signature covers the original certificate key, so it no longer verifies.
        X509Certificate genuine = TlsIdentity.generate(PrivateKey.generateEd25519()).certificate();
        byte[] extension = ASN1OctetString.getInstance(genuine.getExtensionValue(EXTENSION_OID)).getOctets();
        KeyPair other = ecKeyPair();

        assertThatThrownBy(() -> handshake(listener, other, certificate(other, extension))).hasMessageContaining("handshake");
        assertStillServes(listener);
    }

    private void assertStillServes(Swarm listener) throws Exception {
        Swarm good = swarms.start();
        assertThat(Ping.ping(good.dial(TestSwarms.address(listener)).get(10, TimeUnit.SECONDS)).get(10, TimeUnit.SECONDS)).isPositive();
        assertThat(listener.connectedPeers()).containsExactly(good.localPeerId());
    }

    /** Runs a QUIC handshake with ALPN libp2p, optionally presenting a client certificate. */
    private void handshake(Swarm listener, KeyPair keyPair, X509Certificate certificate) throws Exception {
        QuicSslContextBuilder ssl = QuicSslContextBuilder.forClient()
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocols(QuicTransport.ALPN);
        if (certificate != null) {
            ssl.keyManager(keyPair.getPrivate(), null, certificate);
        }
        Channel socket = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new QuicClientCodecBuilder().sslContext(ssl.build())
                        .maxIdleTimeout(5, TimeUnit.SECONDS).initialMaxData(1 << 20)
                        .initialMaxStreamDataBidirectionalLocal(1 << 20).build())
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try {
            InetSocketAddress target = HostPort.match(listener.listenAddresses().get(0), Protocol.UDP, Protocol.QUIC_V1).literalSocketAddress();
            QuicChannel channel;
            try {
                channel = QuicChannel.newBootstrap(socket).handler(new ChannelInboundHandlerAdapter())
                        .streamHandler(new ChannelInboundHandlerAdapter()).remoteAddress(target).connect().get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("handshake refused: " + e.getCause(), e);
            }
            // TLS 1.3: the client finishes before the server has judged its certificate, so a
            // refusal shows as the server closing the connection right after.
            if (!channel.closeFuture().await(5, TimeUnit.SECONDS)) {
                channel.close();
                throw new AssertionError("the listener kept a connection whose certificate it should refuse");
            }
            throw new IllegalStateException("handshake refused: the listener closed the connection");
        } finally {
            socket.close().sync();
        }
    }

    private static KeyPair ecKeyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate certificate(KeyPair keyPair, byte[] libp2pExtension) throws Exception {
        long now = System.currentTimeMillis();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name("CN=test"), BigInteger.ONE,
                new Date(now - 3_600_000), new Date(now + 3_600_000), new X500Name("CN=test"), keyPair.getPublic());
        if (libp2pExtension != null) {
            builder.addExtension(new ASN1ObjectIdentifier(EXTENSION_OID), true, libp2pExtension);
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate())));
    }
}
