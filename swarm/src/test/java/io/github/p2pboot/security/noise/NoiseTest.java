package io.github.p2pboot.security.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.security.noise.pb.NoiseProto.NoiseExtensions;
import io.github.p2pboot.security.noise.pb.NoiseProto.NoiseHandshakePayload;
import io.github.p2pboot.transport.PeerIdMismatchException;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Noise primitives against published vectors, then the handshake and transport over real
 * loopback TCP between Netty channels, and against hand-driven fake peers that misbehave.
 */
class NoiseTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final long WAIT = 5;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Random random = new Random(42);

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        threads.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    // ---- primitives -------------------------------------------------------------------------

    @Test
    void x25519MatchesRfc7748ScalarMultiplicationVectors() throws Exception {
        // §5.2; the second u has its top bit set, which RFC 7748 requires to be ignored.
        assertThat(scalarMult("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
                "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"))
                .isEqualTo("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
        assertThat(scalarMult("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
                "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"))
                .isEqualTo("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
    }

    @Test
    void x25519MatchesRfc7748KeyExchange() throws Exception {
        // §6.1: raw public keys are little-endian; a byte-order slip changes every value here.
        KeyPair alice = X25519.fromPrivate(HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        KeyPair bob = X25519.fromPrivate(HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
        byte[] alicePublic = X25519.rawPublic(alice.getPublic());
        byte[] bobPublic = X25519.rawPublic(bob.getPublic());

        assertThat(HEX.formatHex(alicePublic)).isEqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        assertThat(HEX.formatHex(bobPublic)).isEqualTo("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        String shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
        assertThat(HEX.formatHex(X25519.dh(alice.getPrivate(), bobPublic))).isEqualTo(shared);
        assertThat(HEX.formatHex(X25519.dh(bob.getPrivate(), alicePublic))).isEqualTo(shared);
        assertThat(X25519.rawPublic(X25519.publicFromRaw(alicePublic))).isEqualTo(alicePublic);
    }

    @Test
    void xxHandshakeMatchesCacophonyVector() throws Exception {
        // Noise_XX_25519_ChaChaPoly_SHA256 from the cacophony test vectors (prologue "John Galt"):
        // it pins token order, MixHash/MixKey, HKDF, the nonce layout and Split.
        byte[] prologue = HEX.parseHex("4a6f686e2047616c74");
        HandshakeState initiator = new HandshakeState(true,
                X25519.fromPrivate(HEX.parseHex("e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1")),
                X25519.fromPrivate(HEX.parseHex("893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a")), prologue);
        HandshakeState responder = new HandshakeState(false,
                X25519.fromPrivate(HEX.parseHex("4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893")),
                X25519.fromPrivate(HEX.parseHex("bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b")), prologue);
        String[][] messages = {
            {"4c756477696720766f6e204d69736573",
                "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573"},
            {"4d757272617920526f746862617264",
                "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381cbad1f276e038c48378ffce2b65285e08d6b68aaa3629a5a8639392490e5b9bd5269c2f1e4f488ed8831161f19b7815528f8982ffe09be9b5c412f8a0db50f8814c7194e83f23dbd8d162c9326ad"},
            {"462e20412e20486179656b",
                "c7195ffacac1307ff99046f219750fc47693e23c3cb08b89c2af808b444850a80ae475b9df0f169ae80a89be0865b57f58c9fea0d4ec82a286427402f113e4b6ae769a1d95941d49b25030"},
            {"4361726c204d656e676572", "96763ed773f8e47bb3712f0e29b3060ffc956ffc146cee53d5e1df"},
            {"4a65616e2d426170746973746520536179", "3e40f15f6f3a46ae446b253bf8b1d9ffb6ed9b174d272328ff91a7e2e5c79c07f5"},
            {"457567656e2042f6686d20766f6e2042617765726b", "eb3f3515110702e047a6c9da4478b6ead94873c11c0f2d710ddb3f09fce024b3a58502ae3f"},
        };
        for (int i = 0; i < 3; i++) {
            HandshakeState writer = i % 2 == 0 ? initiator : responder;
            HandshakeState reader = i % 2 == 0 ? responder : initiator;
            byte[] ciphertext = writer.writeMessage(HEX.parseHex(messages[i][0]));
            assertThat(HEX.formatHex(ciphertext)).as("message %d", i + 1).isEqualTo(messages[i][1]);
            assertThat(HEX.formatHex(reader.readMessage(ciphertext))).isEqualTo(messages[i][0]);
        }
        assertThat(HEX.formatHex(initiator.handshakeHash()))
                .isEqualTo("c8e5f64e846193be2a834104c2a009868d6c9f3bd3c186299888b488b2f1f58e")
                .isEqualTo(HEX.formatHex(responder.handshakeHash()));
        CipherState[] initiatorCiphers = initiator.split();
        CipherState[] responderCiphers = responder.split();
        for (int i = 3; i < messages.length; i++) {
            // The vector keeps alternating: odd-numbered messages go responder to initiator.
            CipherState send = i % 2 == 0 ? initiatorCiphers[0] : responderCiphers[0];
            CipherState receive = i % 2 == 0 ? responderCiphers[1] : initiatorCiphers[1];
            byte[] ciphertext = send.encryptWithAd(new byte[0], HEX.parseHex(messages[i][0]));
            assertThat(HEX.formatHex(ciphertext)).as("message %d", i + 1).isEqualTo(messages[i][1]);
            assertThat(HEX.formatHex(receive.decryptWithAd(new byte[0], ciphertext))).isEqualTo(messages[i][0]);
        }
    }

    @Test
    void handshakeStateRefusesTruncatedAndTamperedMessages() throws Exception {
        HandshakeState initiator = new HandshakeState(true, X25519.generateKeyPair());
        HandshakeState responder = new HandshakeState(false, X25519.generateKeyPair());
        assertThatThrownBy(() -> responder.readMessage(new byte[31]))
                .isInstanceOf(NoiseHandshakeException.class).hasMessageContaining("message 1 is truncated");
        responder.readMessage(initiator.writeMessage(new byte[0]));
        byte[] message2 = responder.writeMessage(new byte[] {1, 2, 3});
        assertThatThrownBy(() -> initiator.readMessage(Arrays.copyOf(message2, 95)))
                .hasMessageContaining("message 2 is truncated");
        message2[message2.length - 1] ^= 1;
        assertThatThrownBy(() -> initiator.readMessage(message2))
                .hasMessageContaining("message 2").hasMessageContaining("payload failed");
    }

    @Test
    void transportSplitsPlaintextAtTheNoiseMessageLimit() throws Exception {
        byte[] key1 = randomBytes(32);
        byte[] key2 = randomBytes(32);
        EmbeddedChannel sender =
                new EmbeddedChannel(new NoiseTransportCodec(new CipherState(key1), new CipherState(key2)));
        EmbeddedChannel receiver =
                new EmbeddedChannel(new NoiseTransportCodec(new CipherState(key2), new CipherState(key1)));
        byte[] plaintext = randomBytes(65535 - 16 + 1);

        sender.writeOutbound(Unpooled.wrappedBuffer(plaintext));
        ByteBuf wire = Unpooled.buffer();
        for (ByteBuf out; (out = sender.readOutbound()) != null; ) {
            wire.writeBytes(out);
            out.release();
        }
        // Two Noise messages: 65519 bytes of plaintext plus the tag, then 1 byte plus the tag.
        assertThat(wire.getUnsignedShort(0)).isEqualTo(65535);
        assertThat(wire.getUnsignedShort(2 + 65535)).isEqualTo(17);
        assertThat(wire.readableBytes()).isEqualTo(2 + 65535 + 2 + 17);

        receiver.writeInbound(wire);
        ByteBuf received = Unpooled.buffer();
        for (ByteBuf in; (in = receiver.readInbound()) != null; ) {
            received.writeBytes(in);
            in.release();
        }
        assertThat(ByteBufUtil.getBytes(received)).isEqualTo(plaintext);
        received.release();
        assertThat(sender.finishAndReleaseAll()).isFalse();
        assertThat(receiver.finishAndReleaseAll()).isFalse();
    }

    // ---- over TCP ---------------------------------------------------------------------------

    @Test
    void handshakeOverTcpAuthenticatesBothSidesAndCarriesDataBothWays() throws Exception {
        PrivateKey serverKey = PrivateKey.generateEd25519();
        PrivateKey clientKey = PrivateKey.generateEd25519();
        Server server = startServer(serverKey);

        Side client = dial(server.port(), clientKey, serverKey.peerId());
        assertThat(client.secured().get(WAIT, TimeUnit.SECONDS)).isEqualTo(serverKey.peerId());
        Side accepted = server.next();
        assertThat(accepted.secured().get(WAIT, TimeUnit.SECONDS)).isEqualTo(clientKey.peerId());
        assertThat(client.callbackOnEventLoop()).containsExactly(true);
        assertThat(accepted.callbackOnEventLoop()).containsExactly(true);

        for (int size : new int[] {1, 100 * 1024, 1024 * 1024}) {
            byte[] up = randomBytes(size);
            byte[] down = randomBytes(size);
            client.channel().writeAndFlush(Unpooled.wrappedBuffer(up));
            accepted.channel().writeAndFlush(Unpooled.wrappedBuffer(down));
            assertThat(accepted.sink().take(size)).as("%d bytes client to server", size).isEqualTo(up);
            assertThat(client.sink().take(size)).as("%d bytes server to client", size).isEqualTo(down);
        }
    }

    @Test
    void dataBehindTheLastHandshakeMessageReachesTheApplication() throws Exception {
        Server server = startServer(PrivateKey.generateEd25519());
        PrivateKey fakeKey = PrivateKey.generateEd25519();
        try (Socket socket = connect(server.port())) {
            FakeInitiator fake = FakeInitiator.upToMessage3(socket, fakeKey);
            byte[] early = "multistream right behind message 3".getBytes();
            // One write: message 3 and the first transport frame reach the server in the same read.
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            both.write(frame(fake.message3));
            both.write(frame(fake.send.encryptWithAd(new byte[0], early)));
            socket.getOutputStream().write(both.toByteArray());

            Side accepted = server.next();
            assertThat(accepted.secured().get(WAIT, TimeUnit.SECONDS)).isEqualTo(fakeKey.peerId());
            assertThat(accepted.sink().take(early.length)).isEqualTo(early);
        }
    }

    @Test
    void responderWithBadSignatureIsRefused() throws Exception {
        PrivateKey fakeKey = PrivateKey.generateEd25519();
        int port = fakeResponder((staticKey, unused) -> NoiseHandshakePayload.newBuilder()
                .setIdentityKey(ByteString.copyFrom(fakeKey.publicKey().marshal()))
                // Signed, but over a static key other than the one in the handshake.
                .setIdentitySig(ByteString.copyFrom(fakeKey.sign(HandshakePayloads.signedData(new byte[32]))))
                .build().toByteArray());

        Side client = dial(port, PrivateKey.generateEd25519(), null);

        assertFailure(client.secured()).hasMessageContaining("bad signature").hasMessageContaining(fakeKey.peerId().toString());
        assertThat(client.channel().closeFuture().await(WAIT, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void responderWithUnusableIdentityKeyIsRefused() throws Exception {
        int port = fakeResponder((staticKey, unused) -> NoiseHandshakePayload.newBuilder()
                .setIdentityKey(ByteString.copyFrom(new byte[] {8, 42, 18, 1, 0}))
                .setIdentitySig(ByteString.copyFrom(new byte[64]))
                .build().toByteArray());

        Side client = dial(port, PrivateKey.generateEd25519(), null);

        assertFailure(client.secured()).hasMessageContaining("identity key");
    }

    @Test
    void extensionsFromThePeerAreTolerated() throws Exception {
        PrivateKey fakeKey = PrivateKey.generateEd25519();
        int port = fakeResponder((staticKey, unused) -> NoiseHandshakePayload.newBuilder()
                .setIdentityKey(ByteString.copyFrom(fakeKey.publicKey().marshal()))
                .setIdentitySig(ByteString.copyFrom(fakeKey.sign(HandshakePayloads.signedData(staticKey))))
                .setExtensions(NoiseExtensions.newBuilder().addStreamMuxers("/yamux/1.0.0")
                        .addWebtransportCerthashes(ByteString.copyFrom(new byte[] {1, 2, 3})))
                .build().toByteArray());

        Side client = dial(port, PrivateKey.generateEd25519(), fakeKey.peerId());

        assertThat(client.secured().get(WAIT, TimeUnit.SECONDS)).isEqualTo(fakeKey.peerId());
    }

    @Test
    void unexpectedRemotePeerIsRefusedNamingBothIds() throws Exception {
        PrivateKey serverKey = PrivateKey.generateEd25519();
        PeerId expected = PrivateKey.generateEd25519().peerId();
        Server server = startServer(serverKey);

        Side client = dial(server.port(), PrivateKey.generateEd25519(), expected);

        assertFailure(client.secured())
                .hasMessageContaining(expected.toString())
                .hasMessageContaining(serverKey.peerId().toString())
                .hasCauseInstanceOf(PeerIdMismatchException.class);
        assertThat(client.channel().closeFuture().await(WAIT, TimeUnit.SECONDS)).isTrue();
        // The server never gets message 3: it must fail too, not wait.
        assertFailure(server.next().secured()).hasMessageContaining("closed");
    }

    @Test
    void undecryptableFrameClosesThatConnectionAndTheServerServesOn() throws Exception {
        PrivateKey serverKey = PrivateKey.generateEd25519();
        Server server = startServer(serverKey);
        try (Socket socket = connect(server.port())) {
            FakeInitiator fake = FakeInitiator.upToMessage3(socket, PrivateKey.generateEd25519());
            socket.getOutputStream().write(frame(fake.message3));
            Side accepted = server.next();
            accepted.secured().get(WAIT, TimeUnit.SECONDS);

            socket.getOutputStream().write(frame(randomBytes(40)));

            assertThat(accepted.channel().closeFuture().await(WAIT, TimeUnit.SECONDS)).isTrue();
            assertThat(accepted.errors()).anySatisfy(e -> assertThat(e).hasMessageContaining("failed decryption"));
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
        assertServes(server, serverKey);
    }

    @Test
    void frameShorterThanTheTagClosesTheConnection() throws Exception {
        Server server = startServer(PrivateKey.generateEd25519());
        try (Socket socket = connect(server.port())) {
            FakeInitiator fake = FakeInitiator.upToMessage3(socket, PrivateKey.generateEd25519());
            socket.getOutputStream().write(frame(fake.message3));
            Side accepted = server.next();
            accepted.secured().get(WAIT, TimeUnit.SECONDS);

            socket.getOutputStream().write(frame(new byte[5]));

            assertThat(accepted.channel().closeFuture().await(WAIT, TimeUnit.SECONDS)).isTrue();
            assertThat(accepted.errors()).anySatisfy(e -> assertThat(e).hasMessageContaining("shorter than the 16-byte"));
        }
    }

    @Test
    void responderClosingMidHandshakeFailsTheInitiator() throws Exception {
        ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        resources.add(listener);
        threads.submit(() -> {
            try (Socket socket = listener.accept()) {
                readFrame(socket.getInputStream());
                // Half of a message 2: a length prefix promising more than comes.
                socket.getOutputStream().write(new byte[] {0, 96, 1, 2, 3, 4, 5});
                socket.getOutputStream().flush();
            }
            return null;
        });

        Side client = dial(listener.getLocalPort(), PrivateKey.generateEd25519(), null);

        assertFailure(client.secured()).hasMessageContaining("closed during the noise handshake");
    }

    @Test
    void initiatorSendingAShortMessage1OrLeavingFailsTheResponder() throws Exception {
        PrivateKey serverKey = PrivateKey.generateEd25519();
        Server server = startServer(serverKey);
        try (Socket socket = connect(server.port())) {
            socket.getOutputStream().write(frame(new byte[10]));
            assertFailure(server.next().secured()).hasMessageContaining("message 1 is truncated");
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
        try (Socket socket = connect(server.port())) {
            FakeInitiator.upToMessage3(socket, PrivateKey.generateEd25519());
        }
        assertFailure(server.next().secured()).hasMessageContaining("before message 3 of 3 was received");
        assertServes(server, serverKey);
    }

    @Test
    void lowOrderEphemeralKeyFailsTheResponder() throws Exception {
        Server server = startServer(PrivateKey.generateEd25519());
        try (Socket socket = connect(server.port())) {
            // u = 0 is a point of small order: every DH with it gives zero, so it must be refused.
            socket.getOutputStream().write(frame(new byte[32]));
            assertFailure(server.next().secured()).hasMessageContaining("handshake message 2");
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void callerTimeoutClosesTheChannel() throws Exception {
        ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        resources.add(listener);
        threads.submit(() -> {
            try (Socket socket = listener.accept()) {
                // Silent: reads message 1 and never answers.
                while (socket.getInputStream().read() >= 0) {
                    // drain
                }
            }
            return null;
        });
        Side client = dial(listener.getLocalPort(), PrivateKey.generateEd25519(), null);

        client.handshake().orTimeout(200, TimeUnit.MILLISECONDS);

        assertThat(client.channel().closeFuture().await(WAIT, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> client.secured().get(WAIT, TimeUnit.SECONDS))
                .hasCauseInstanceOf(TimeoutException.class);
    }

    @Test
    void writesBeforeTheHandshakeEndsAreRefusedNotSentInTheClear() throws Exception {
        ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        resources.add(listener);
        Future<byte[]> seen = threads.submit(() -> {
            try (Socket socket = listener.accept()) {
                socket.setSoTimeout(500);
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                try {
                    byte[] buffer = new byte[4096];
                    for (int n; (n = socket.getInputStream().read(buffer)) >= 0; ) {
                        all.write(buffer, 0, n);
                    }
                } catch (SocketTimeoutException quiet) {
                    // Nothing more is coming.
                }
                return all.toByteArray();
            }
        });
        Side client = dial(listener.getLocalPort(), PrivateKey.generateEd25519(), null);
        byte[] secret = "not for the wire".getBytes();

        ChannelFuture write = client.channel().writeAndFlush(Unpooled.wrappedBuffer(secret));

        assertThat(write.await(WAIT, TimeUnit.SECONDS)).isTrue();
        assertThat(write.cause()).isInstanceOf(NoiseHandshakeException.class).hasMessageContaining("before the noise handshake");
        byte[] wire = seen.get(WAIT, TimeUnit.SECONDS);
        assertThat(wire).hasSize(2 + 32);
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static String scalarMult(String scalar, String u) throws Exception {
        KeyPair pair = X25519.fromPrivate(HEX.parseHex(scalar));
        return HEX.formatHex(X25519.dh(pair.getPrivate(), HEX.parseHex(u)));
    }

    private byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertFailure(
            CompletableFuture<PeerId> future) throws Exception {
        try {
            PeerId peer = future.get(WAIT, TimeUnit.SECONDS);
            throw new AssertionError("handshake succeeded with " + peer);
        } catch (ExecutionException e) {
            return assertThat(e.getCause()).isInstanceOf(NoiseHandshakeException.class);
        }
    }

    private void assertServes(Server server, PrivateKey serverKey) throws Exception {
        PrivateKey clientKey = PrivateKey.generateEd25519();
        Side client = dial(server.port(), clientKey, serverKey.peerId());
        assertThat(client.secured().get(WAIT, TimeUnit.SECONDS)).isEqualTo(serverKey.peerId());
        Side accepted = server.next();
        assertThat(accepted.secured().get(WAIT, TimeUnit.SECONDS)).isEqualTo(clientKey.peerId());
        client.channel().writeAndFlush(Unpooled.wrappedBuffer(new byte[] {7}));
        assertThat(accepted.sink().take(1)).containsExactly(7);
    }

    /** One end of a connection: its channel, its handshake, what it received and what went wrong. */
    /** {@code handshake} is the future secure() returned; {@code secured} the stage that adds the sink. */
    record Side(Channel channel, CompletableFuture<PeerId> handshake, CompletableFuture<PeerId> secured, Sink sink,
            List<Throwable> errors, List<Boolean> callbackOnEventLoop) {
    }

    record Server(Channel channel, BlockingQueue<Side> accepted) {
        int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        Side next() throws InterruptedException {
            Side side = accepted.poll(WAIT, TimeUnit.SECONDS);
            assertThat(side).as("an accepted connection").isNotNull();
            return side;
        }
    }

    private Server startServer(PrivateKey key) throws InterruptedException {
        BlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
        Channel channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        accepted.add(secure(ctx.channel(), key, false, null));
                        ctx.fireChannelActive();
                    }

                    @Override
                    public boolean isSharable() {
                        return true;
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        resources.add(() -> channel.close().sync());
        return new Server(channel, accepted);
    }

    private Side dial(int port, PrivateKey key, PeerId expected) throws InterruptedException {
        Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .connect("127.0.0.1", port).sync().channel();
        resources.add(() -> channel.close().sync());
        // From the event loop, like a transport would, so the callback is registered before the handshake can end.
        try {
            return channel.eventLoop().submit(() -> secure(channel, key, true, expected)).get(WAIT, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Starts the handshake and adds a sink once it succeeds. The returned side's future is the
     * callback's stage, not the handshake's own: a thread waiting on a CompletableFuture may run
     * its callbacks itself, which would add the sink off the event loop and too late for the
     * plaintext that came with the last handshake message.
     */
    private static Side secure(Channel channel, PrivateKey key, boolean initiator, PeerId expected) {
        Sink sink = new Sink();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        List<Boolean> onEventLoop = new CopyOnWriteArrayList<>();
        CompletableFuture<PeerId> secured = NoiseSecurity.secure(channel, key, initiator, expected);
        CompletableFuture<PeerId> ready = secured.whenComplete((peer, failure) -> {
            if (failure == null) {
                onEventLoop.add(channel.eventLoop().inEventLoop());
                channel.pipeline().addLast(sink, new ChannelInboundHandlerAdapter() {
                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        errors.add(cause);
                    }
                });
            }
        });
        return new Side(channel, secured, ready, sink, errors, onEventLoop);
    }

    /** Collects the plaintext a side receives. */
    static final class Sink extends ChannelInboundHandlerAdapter {
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                byte[] bytes = new byte[buf.readableBytes()];
                buf.readBytes(bytes);
                synchronized (this) {
                    received.writeBytes(bytes);
                    notifyAll();
                }
            } finally {
                buf.release();
            }
        }

        /** The next {@code n} bytes received, waiting for them at most {@link #WAIT} seconds. */
        synchronized byte[] take(int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
            while (received.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("received " + received.size() + " of " + n + " bytes");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            byte[] all = received.toByteArray();
            received.reset();
            received.write(all, n, all.length - n);
            return Arrays.copyOf(all, n);
        }
    }

    /** A hand-driven initiator over a blocking socket; stops before sending message 3. */
    static final class FakeInitiator {
        final byte[] message3;
        final CipherState send;

        private FakeInitiator(byte[] message3, CipherState send) {
            this.message3 = message3;
            this.send = send;
        }

        static FakeInitiator upToMessage3(Socket socket, PrivateKey key) throws IOException {
            HandshakeState handshake = new HandshakeState(true, X25519.generateKeyPair());
            socket.getOutputStream().write(frame(handshake.writeMessage(new byte[0])));
            byte[] payload = handshake.readMessage(readFrame(socket.getInputStream()));
            HandshakePayloads.verify(payload, handshake.remoteStaticPublicKey());
            byte[] message3 = handshake.writeMessage(HandshakePayloads.create(key, handshake.localStaticPublicKey()));
            return new FakeInitiator(message3, handshake.split()[0]);
        }
    }

    /**
     * A responder over a blocking socket that answers message 1 with a payload of the test's
     * making (given its Noise static key), then waits for the initiator to hang up.
     */
    private int fakeResponder(BiFunction<byte[], Void, byte[]> payload) throws IOException {
        ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        resources.add(listener);
        Future<?> ignored = threads.submit(() -> {
            try (Socket socket = listener.accept()) {
                socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT));
                HandshakeState handshake = new HandshakeState(false, X25519.generateKeyPair());
                handshake.readMessage(readFrame(socket.getInputStream()));
                socket.getOutputStream().write(frame(handshake.writeMessage(
                        payload.apply(handshake.localStaticPublicKey(), null))));
                while (socket.getInputStream().read() >= 0) {
                    // Drain until the initiator gives up or finishes.
                }
            }
            return null;
        });
        return listener.getLocalPort();
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT));
        return socket;
    }

    private static byte[] frame(byte[] message) {
        byte[] framed = new byte[2 + message.length];
        framed[0] = (byte) (message.length >>> 8);
        framed[1] = (byte) message.length;
        System.arraycopy(message, 0, framed, 2, message.length);
        return framed;
    }

    private static byte[] readFrame(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int length = data.readUnsignedShort();
        byte[] message = new byte[length];
        data.readFully(message);
        return message;
    }

}
