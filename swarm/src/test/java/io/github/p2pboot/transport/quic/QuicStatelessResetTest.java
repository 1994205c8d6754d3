package io.github.p2pboot.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.CloseCause;
import io.github.p2pboot.swarm.QuicSettings;
import io.github.p2pboot.transport.MuxedConnection;
import io.github.p2pboot.transport.TransportListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.quic.QuicConnectionAddress;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Stateless resets across a restart, over real QUIC connections on loopback: node A (fixed
 * identity) is dialled by B, A dies without a word and comes back on the same port, and B's next
 * packet on the old connection earns a reset that closes it at once, far inside B's 10 s idle
 * timeout. And the hostile cases: forged resets, floods of packets for stale or foreign ids.
 */
class QuicStatelessResetTest {

    private static final String LOOPBACK = "/ip4/127.0.0.1/udp/0/quic-v1";
    /** B's idle timeout is QuicSettings.DEFAULTS' 10 s: a close well inside it is the reset's doing. */
    private static final Duration RESET_NOTICED_WITHIN = Duration.ofSeconds(3);

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final List<QuicTransport> transports = new ArrayList<>();
    private final SecureRandom random = new SecureRandom();

    @AfterEach
    void close() {
        transports.forEach(QuicTransport::close);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void restartedNodeResetsTheConnectionsOfItsEarlierRun() throws Exception {
        PrivateKey keyA = PrivateKey.generateEd25519();
        QuicTransport a = transport(keyA);
        Multiaddr address = a.listen(Multiaddr.parse(LOOPBACK));
        QuicTransport b = transport(PrivateKey.generateEd25519());
        MuxedConnection old = b.dial(address, keyA.peerId()).get(10, TimeUnit.SECONDS);
        assertThat(echo(old, "before")).isEqualTo("before");

        a.crashForTest();
        QuicTransport restarted = transport(keyA);
        restarted.listen(address);
        long sentAt = System.nanoTime();
        old.openStream().get(5, TimeUnit.SECONDS).writeAndFlush(Unpooled.copiedBuffer("hello?", StandardCharsets.UTF_8));

        CloseCause cause = old.closeFuture().get(RESET_NOTICED_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        long noticedMs = (System.nanoTime() - sentAt) / 1_000_000;
        System.out.printf("B noticed A's restart %d ms after its first packet to the new A (%s)%n", noticedMs, cause);
        assertThat(cause.kind()).isNotEqualTo(CloseCause.Kind.IDLE_TIMEOUT);
        assertThat(restarted.statelessResetsSent()).isPositive();
        // And B reaches the new A at once.
        MuxedConnection fresh = b.dial(address, keyA.peerId()).get(10, TimeUnit.SECONDS);
        assertThat(echo(fresh, "after")).isEqualTo("after");
    }

    @Test
    void restartedNodeResetsRememberedConnectionsWithoutWaitingForThePeer() throws Exception {
        PrivateKey keyA = PrivateKey.generateEd25519();
        QuicTransport a = transport(keyA);
        Multiaddr address = a.listen(Multiaddr.parse(LOOPBACK));
        QuicTransport b = transport(PrivateKey.generateEd25519());
        MuxedConnection old = b.dial(address, keyA.peerId()).get(10, TimeUnit.SECONDS);
        assertThat(echo(old, "before")).isEqualTo("before");
        List<QuicTransport.RememberedConnection> remembered = awaitRemembered(a, 1);

        a.crashForTest();
        QuicTransport restarted = transport(keyA);
        restarted.listen(address);
        long resetAt = System.nanoTime();
        // B sends nothing: the reset alone must end its connection.
        assertThat(restarted.resetRemembered(remembered)).isEqualTo(1);

        CloseCause cause = old.closeFuture().get(RESET_NOTICED_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        System.out.printf("B dropped its connection %d ms after the restarted A's resets at start (%s)%n",
                (System.nanoTime() - resetAt) / 1_000_000, cause);
        assertThat(cause.kind()).isNotEqualTo(CloseCause.Kind.IDLE_TIMEOUT);
        // Ids of this run and of other identities are never reset from memory.
        QuicTransport other = transport(PrivateKey.generateEd25519());
        other.listen(Multiaddr.parse(LOOPBACK));
        assertThat(other.resetRemembered(remembered)).isZero();
        MuxedConnection live = b.dial(address, keyA.peerId()).get(10, TimeUnit.SECONDS);
        assertThat(restarted.resetRemembered(awaitRemembered(restarted, 1))).isZero();
        assertThat(echo(live, "after")).isEqualTo("after");
    }

    @Test
    void aNodeRestartedAfterACrashResetsTheConnectionsItsMemoryFileHolds(@org.junit.jupiter.api.io.TempDir java.nio.file.Path folder)
            throws Exception {
        PrivateKey keyA = PrivateKey.generateEd25519();
        java.nio.file.Path memory = folder.resolve("peers.store.quic");
        QuicTransport a = new QuicTransport(keyA, QuicSettings.DEFAULTS, group, new EchoListener(), memory);
        transports.add(a);
        Multiaddr address = a.listen(Multiaddr.parse(LOOPBACK));
        QuicTransport b = transport(PrivateKey.generateEd25519());
        MuxedConnection old = b.dial(address, keyA.peerId()).get(10, TimeUnit.SECONDS);
        assertThat(echo(old, "before")).isEqualTo("before");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!java.nio.file.Files.exists(memory) || java.nio.file.Files.readAllLines(memory).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the connection memory was not written within 10 s");
            }
            Thread.sleep(20);
        }

        a.crashForTest();
        QuicTransport restarted = new QuicTransport(keyA, QuicSettings.DEFAULTS, group, new EchoListener(), memory);
        transports.add(restarted);
        restarted.listen(address);

        // B sends nothing: the resets the restarted node sends as it listens must end its connection.
        CloseCause cause = old.closeFuture().get(RESET_NOTICED_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(cause.kind()).isNotEqualTo(CloseCause.Kind.IDLE_TIMEOUT);
        // A clean stop forgets: its peers were told.
        restarted.close();
        assertThat(memory).doesNotExist();
    }

    @Test
    void aMalformedConnectionMemoryIsIgnored(@org.junit.jupiter.api.io.TempDir java.nio.file.Path folder) throws Exception {
        java.nio.file.Path memory = folder.resolve("peers.store.quic");
        java.nio.file.Files.writeString(memory, "not an address\n127.0.0.1 99999 00\nexample.org 4001 0011\n::1 4001 zz\n");

        assertThat(new ConnectionMemory(memory).load()).isEmpty();
        QuicTransport a = new QuicTransport(PrivateKey.generateEd25519(), QuicSettings.DEFAULTS, group, new EchoListener(), memory);
        transports.add(a);
        Multiaddr address = a.listen(Multiaddr.parse(LOOPBACK));
        MuxedConnection live = transport(PrivateKey.generateEd25519()).dial(address, null).get(10, TimeUnit.SECONDS);
        assertThat(echo(live, "still serving")).isEqualTo("still serving");
    }

    private static List<QuicTransport.RememberedConnection> awaitRemembered(QuicTransport transport, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (transport.connectionsToRemember().size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " inbound connections to remember, have "
                        + transport.connectionsToRemember().size());
            }
            Thread.sleep(10);
        }
        return transport.connectionsToRemember();
    }

    @Test
    void aNodeOfAnotherIdentityOnThePortSendsNoResetSoTheOldConnectionWaitsForItsIdleTimeout() throws Exception {
        PrivateKey keyA = PrivateKey.generateEd25519();
        QuicTransport a = transport(keyA);
        Multiaddr address = a.listen(Multiaddr.parse(LOOPBACK));
        QuicTransport b = transport(PrivateKey.generateEd25519());
        MuxedConnection old = b.dial(address, keyA.peerId()).get(10, TimeUnit.SECONDS);
        assertThat(echo(old, "before")).isEqualTo("before");

        a.crashForTest();
        QuicTransport stranger = transport(PrivateKey.generateEd25519());
        stranger.listen(address);
        long sentAt = System.nanoTime();
        old.openStream().get(5, TimeUnit.SECONDS).writeAndFlush(Unpooled.copiedBuffer("hello?", StandardCharsets.UTF_8));

        CloseCause cause = old.closeFuture().get(20, TimeUnit.SECONDS);
        long noticedMs = (System.nanoTime() - sentAt) / 1_000_000;
        System.out.printf("Without a reset B noticed after %d ms (%s)%n", noticedMs, cause);
        assertThat(cause.kind()).isEqualTo(CloseCause.Kind.IDLE_TIMEOUT);
        assertThat(stranger.statelessResetsSent()).isZero();
    }

    @Test
    void forgedResetsToTheDialerDoNotCloseItsLiveConnection() throws Exception {
        Live live = live();

        try (DatagramSocket forger = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            for (int i = 0; i < 50; i++) {
                // Shaped as a reset for B's id, ending in 16 random bytes.
                byte[] forged = forgedReset(live.bId);
                forger.send(new DatagramPacket(forged, forged.length, live.bSocket));
                byte[] unrouted = forgedReset(new byte[ConnectionIds.LENGTH]);
                forger.send(new DatagramPacket(unrouted, unrouted.length, live.bSocket));
            }
        }
        assertThat(echo(live.connection, "after forgeries from another socket")).isEqualTo("after forgeries from another socket");
        // And as if from A's own address, straight into B's socket.
        Channel dialSocket = live.connection.channel().parent();
        for (int i = 0; i < 50; i++) {
            dialSocket.pipeline().fireChannelRead(new io.netty.channel.socket.DatagramPacket(
                    Unpooled.wrappedBuffer(forgedReset(new byte[ConnectionIds.LENGTH])), live.bSocket, live.aSocket));
        }
        dialSocket.pipeline().fireChannelReadComplete();

        assertThat(echo(live.connection, "still here")).isEqualTo("still here");
        assertThat(live.connection.isOpen()).isTrue();
    }

    @Test
    void forgedResetsToTheListenerDoNotCloseALiveConnection() throws Exception {
        Live live = live();

        try (DatagramSocket forger = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            for (int i = 0; i < 50; i++) {
                byte[] toA = forgedReset(live.aId);
                forger.send(new DatagramPacket(toA, toA.length, live.aSocket));
            }
        }
        // And as if from B's own address, straight into A's listening socket.
        Channel listening = live.a.listeningSocketsForTest().get(0);
        for (int i = 0; i < 50; i++) {
            listening.pipeline().fireChannelRead(new io.netty.channel.socket.DatagramPacket(
                    Unpooled.wrappedBuffer(forgedReset(live.aId)), live.aSocket, live.bSocket));
        }
        listening.pipeline().fireChannelReadComplete();

        assertThat(echo(live.connection, "still here")).isEqualTo("still here");
        assertThat(live.connection.isOpen()).isTrue();
        assertThat(live.a.statelessResetsSent()).isZero();
    }

    private record Live(QuicTransport a, QuicConnection connection, InetSocketAddress aSocket, InetSocketAddress bSocket,
            byte[] aId, byte[] bId) {
    }

    /** A dialled by B, one echo done. */
    private Live live() throws Exception {
        PrivateKey keyA = PrivateKey.generateEd25519();
        QuicTransport a = transport(keyA);
        Multiaddr address = a.listen(Multiaddr.parse(LOOPBACK));
        QuicTransport b = transport(PrivateKey.generateEd25519());
        QuicConnection connection = (QuicConnection) b.dial(address, keyA.peerId()).get(10, TimeUnit.SECONDS);
        assertThat(echo(connection, "before")).isEqualTo("before");
        InetSocketAddress bSocket = new InetSocketAddress("127.0.0.1", socketOf(connection.localAddress()).getPort());
        byte[] aId = idOf(connection.channel().remoteAddress());
        assertThat(aId).hasSize(ConnectionIds.LENGTH);
        return new Live(a, connection, socketOf(address), bSocket, aId, idOf(connection.channel().localAddress()));
    }

    @Test
    void floodsOfPacketsForStaleOrForeignIdsAreRateLimitedAndTheNodeKeepsServing() throws Exception {
        PrivateKey keyA = PrivateKey.generateEd25519();
        QuicTransport a = transport(keyA);
        Multiaddr address = a.listen(Multiaddr.parse(LOOPBACK));
        InetSocketAddress aSocket = socketOf(address);
        ResetKeys keysA = ResetKeys.derive(keyA);
        ConnectionIds earlierRun = new ConnectionIds(keysA, random);
        ConnectionIds otherIdentity = new ConnectionIds(ResetKeys.derive(PrivateKey.generateEd25519()), random);
        QuicTransport c = transport(PrivateKey.generateEd25519());

        try (DatagramSocket flooder = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            flooder.setReceiveBufferSize(1 << 20);
            flooder.setSoTimeout(300);
            int packets = 3000;
            long start = System.nanoTime();
            CompletableFuture<String> servedDuringFlood = null;
            for (int i = 0; i < packets; i++) {
                byte[] stale = shortHeader(earlierRun.newId(i % 2 == 0 ? ConnectionIds.SERVER_HANDSHAKE : ConnectionIds.SERVER_ISSUED), 1200);
                byte[] foreign = shortHeader(otherIdentity.newId(ConnectionIds.SERVER_HANDSHAKE), 1200);
                byte[] junk = new byte[1200];
                random.nextBytes(junk);
                junk[0] &= 0x7f;
                flooder.send(new DatagramPacket(stale, stale.length, aSocket));
                flooder.send(new DatagramPacket(foreign, foreign.length, aSocket));
                flooder.send(new DatagramPacket(junk, junk.length, aSocket));
                if (i == packets / 2) {
                    servedDuringFlood = c.dial(address, keyA.peerId()).thenApplyAsync(conn -> echo(conn, "during"));
                }
            }
            double floodSeconds = (System.nanoTime() - start) / 1e9;
            List<byte[]> resets = receiveAll(flooder);
            System.out.printf("Flood of %d stale, %d foreign and %d junk packets in %.2f s: %d resets came back%n",
                    packets, packets, packets, floodSeconds, resets.size());

            assertThat(resets).isNotEmpty();
            // One host: its burst plus its rate over the flood and the time to drain, with room to spare.
            double allowed = ResetRateLimiter.PER_HOST_BURST + ResetRateLimiter.PER_HOST_PER_SECOND * (floodSeconds + 1) + 2;
            assertThat((double) resets.size()).isLessThanOrEqualTo(allowed);
            for (byte[] reset : resets) {
                assertThat(reset.length).isLessThan(1200).isGreaterThanOrEqualTo(StatelessResetHandler.MIN_RESET);
                assertThat(reset[0] & 0xc0).isEqualTo(0x40);
            }
            assertThat(a.statelessResetsSent()).isEqualTo(resets.size());
            assertThat(servedDuringFlood.get(15, TimeUnit.SECONDS)).isEqualTo("during");
        }
        MuxedConnection after = c.dial(address, keyA.peerId()).get(10, TimeUnit.SECONDS);
        assertThat(echo(after, "after")).isEqualTo("after");
    }

    @Test
    void aResetCarriesTheTokenOfTheIdItAnswers() throws Exception {
        PrivateKey keyA = PrivateKey.generateEd25519();
        QuicTransport a = transport(keyA);
        InetSocketAddress aSocket = socketOf(a.listen(Multiaddr.parse(LOOPBACK)));
        ResetKeys keysA = ResetKeys.derive(keyA);
        byte[] staleId = new ConnectionIds(keysA, random).newId(ConnectionIds.SERVER_HANDSHAKE);

        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            peer.setSoTimeout(5000);
            byte[] packet = shortHeader(staleId, 60);
            peer.send(new DatagramPacket(packet, packet.length, aSocket));
            DatagramPacket received = new DatagramPacket(new byte[1500], 1500);
            peer.receive(received);
            byte[] reset = Arrays.copyOf(received.getData(), received.getLength());

            assertThat(reset.length).isLessThan(60).isGreaterThanOrEqualTo(StatelessResetHandler.USUAL_RESET);
            assertThat(Arrays.copyOfRange(reset, reset.length - 16, reset.length)).isEqualTo(keysA.token(staleId));
            // A packet too short to answer with a smaller one gets nothing.
            byte[] tiny = shortHeader(staleId, StatelessResetHandler.MIN_RESET);
            peer.send(new DatagramPacket(tiny, tiny.length, aSocket));
            peer.setSoTimeout(500);
            assertThat(receiveAll(peer)).isEmpty();
        }
    }

    private QuicTransport transport(PrivateKey key) {
        QuicTransport transport = new QuicTransport(key, QuicSettings.DEFAULTS, group, new EchoListener());
        transports.add(transport);
        return transport;
    }

    private byte[] forgedReset(byte[] dcid) {
        byte[] packet = shortHeader(dcid, 43);
        return packet;
    }

    /** A short-header-shaped datagram for {@code dcid}: bits 01, the id, random bytes to {@code length}. */
    private byte[] shortHeader(byte[] dcid, int length) {
        byte[] packet = new byte[length];
        random.nextBytes(packet);
        packet[0] = (byte) (0x40 | (packet[0] & 0x3f));
        System.arraycopy(dcid, 0, packet, 1, dcid.length);
        return packet;
    }

    private static List<byte[]> receiveAll(DatagramSocket socket) throws Exception {
        List<byte[]> received = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            DatagramPacket packet = new DatagramPacket(new byte[1500], 1500);
            try {
                socket.receive(packet);
            } catch (SocketTimeoutException drained) {
                break;
            }
            received.add(Arrays.copyOf(packet.getData(), packet.getLength()));
        }
        return received;
    }

    /** Netty 4.2.18 keeps the id's accessor package-private; its toString shows the id in hex. */
    private static byte[] idOf(java.net.SocketAddress address) {
        String text = ((QuicConnectionAddress) address).toString();
        java.util.regex.Matcher hex = java.util.regex.Pattern.compile("connId=([0-9a-f]+)").matcher(text);
        assertThat(hex.find()).as("connection id in %s", text).isTrue();
        return java.util.HexFormat.of().parseHex(hex.group(1));
    }

    private static InetSocketAddress socketOf(Multiaddr address) {
        return io.github.p2pboot.transport.HostPort.match(address, io.github.p2pboot.multiaddr.Protocol.UDP,
                io.github.p2pboot.multiaddr.Protocol.QUIC_V1).literalSocketAddress();
    }

    /** Opens a stream, writes {@code text}, returns what the other side echoes. */
    private static String echo(MuxedConnection connection, String text) {
        try {
            CompletableFuture<String> answer = new CompletableFuture<>();
            Channel stream = connection.openStream().get(5, TimeUnit.SECONDS);
            stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ByteBuf buf = (ByteBuf) msg;
                    answer.complete(buf.toString(StandardCharsets.UTF_8));
                    buf.release();
                }
            });
            stream.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
            return answer.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("echo over " + connection + " failed", e);
        }
    }

    private static final class EchoListener implements TransportListener {
        @Override
        public void inboundConnection(MuxedConnection connection) {
        }

        @Override
        public void inboundStream(MuxedConnection connection, Channel stream) {
            stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ctx.writeAndFlush(msg);
                }
            });
        }
    }
}
