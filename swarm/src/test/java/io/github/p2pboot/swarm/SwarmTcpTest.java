package io.github.p2pboot.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.transport.PeerIdMismatchException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real swarms talking TCP (Noise, Yamux) over loopback, and choosing between TCP and QUIC. */
class SwarmTcpTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String ECHO = "/p2pboot/echo/1.0.0";

    private final TestSwarms swarms = new TestSwarms();

    @AfterEach
    void closeSwarms() {
        swarms.close();
    }

    private Swarm startTcp() {
        return swarms.start(b -> b.listen(TestSwarms.LOOPBACK_TCP));
    }

    @Test
    void identifyReportsTheTcpListenAddress() throws Exception {
        Swarm a = startTcp();
        Swarm b = startTcp();

        a.dial(TestSwarms.tcpAddress(b)).get(10, TimeUnit.SECONDS);

        Multiaddr bTcp = TestSwarms.tcpAddress(b).withoutPeerId();
        await().atMost(WAIT).until(() -> a.peerStore().info(b.localPeerId())
                .map(info -> info.listenAddresses().contains(bTcp)).orElse(false));
        await().atMost(WAIT).until(() -> b.peerStore().protocols(a.localPeerId()).contains(Ping.PROTOCOL_ID));
    }

    @Test
    void streamsCarryAMebibyteAndManyAtOnce() throws Exception {
        Swarm a = startTcp();
        Swarm b = startTcp();
        b.registerProtocol(StreamTestSupport.echoHandler(ECHO));
        Connection connection = a.dial(TestSwarms.tcpAddress(b)).get(10, TimeUnit.SECONDS);
        byte[] large = new byte[1024 * 1024];
        new Random(7).nextBytes(large);

        assertThat(StreamTestSupport.roundTrip(connection.newStream(ECHO).get(10, TimeUnit.SECONDS), large)).isEqualTo(large);

        List<CompletableFuture<byte[]>> replies = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            byte[] message = ("stream " + i).getBytes(StandardCharsets.UTF_8);
            replies.add(connection.newStream(ECHO).thenApplyAsync(stream -> {
                try {
                    return StreamTestSupport.roundTrip(stream, message);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (int i = 0; i < replies.size(); i++) {
            assertThat(new String(replies.get(i).get(20, TimeUnit.SECONDS), StandardCharsets.UTF_8)).isEqualTo("stream " + i);
        }
    }

    @Test
    void garbageInsteadOfAHandshakeClosesOnlyThatConnection() throws Exception {
        Swarm a = startTcp();
        Swarm b = startTcp();
        InetSocketAddress target = new InetSocketAddress("127.0.0.1",
                Integer.parseInt(TestSwarms.tcpAddress(b).withoutPeerId().components().get(1).value()));

        try (Socket socket = new Socket()) {
            socket.connect(target, 5_000);
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            // Read as multistream-select: 'G' announces a 71-byte message, which is not one.
            out.write("GET / HTTP/1.1\r\n".repeat(10).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            // b sends its multistream header, then closes the connection on the garbage at once,
            // well before the 10 s upgrade timeout that would close it anyway.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            int read = 0;
            while (read != -1 && System.nanoTime() < deadline) {
                read = in.read();
            }
            assertThat(read).isEqualTo(-1);
        }
        assertThat(Ping.ping(a.dial(TestSwarms.tcpAddress(b)).get(10, TimeUnit.SECONDS)).get(10, TimeUnit.SECONDS)).isPositive();
    }

    @Test
    void dialByPeerIdPrefersQuicAndFallsBackToTcp() throws Exception {
        // A short handshake timeout, so the dead QUIC address fails fast.
        Swarm a = swarms.start(b -> b.listen(TestSwarms.LOOPBACK_QUIC).listen(TestSwarms.LOOPBACK_TCP)
                .quic(new QuicSettings(Duration.ofSeconds(10), LivenessSettings.QUIC_DEFAULTS, Duration.ofSeconds(2), 256)));
        Swarm both = swarms.start(b -> b.listen(TestSwarms.LOOPBACK_QUIC).listen(TestSwarms.LOOPBACK_TCP));
        Swarm tcpOnly = startTcp();
        a.peerStore().addAddresses(both.localPeerId(), both.listenAddresses());
        // A QUIC address nobody listens on (a port we just freed), learnt after the TCP one.
        Swarm gone = swarms.start();
        Multiaddr deadQuic = gone.listenAddresses().get(0);
        gone.close();
        a.peerStore().addAddresses(tcpOnly.localPeerId(), tcpOnly.listenAddresses());
        a.peerStore().addAddresses(tcpOnly.localPeerId(), List.of(deadQuic));

        assertThat(a.dial(both.localPeerId()).get(10, TimeUnit.SECONDS).transport()).isEqualTo("quic-v1");
        Connection fallback = a.dial(tcpOnly.localPeerId()).get(30, TimeUnit.SECONDS);
        assertThat(fallback.transport()).isEqualTo("tcp");
        assertThat(Ping.ping(fallback).get(10, TimeUnit.SECONDS)).isPositive();
    }

    @Test
    void tcpListenAddressIsRefusedWhenTcpIsDisabled() {
        Swarm swarm = new Swarm(SwarmConfig.builder(PrivateKey.generateEd25519()).ioThreads(1)
                .tcp(TcpSettings.DISABLED).listen(TestSwarms.LOOPBACK_TCP).build());

        assertThatThrownBy(swarm::start).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(TestSwarms.LOOPBACK_TCP)
                .hasMessageContaining("TCP is disabled");
    }
}
