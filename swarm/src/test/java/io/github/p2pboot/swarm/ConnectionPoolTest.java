package io.github.p2pboot.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.ping.Ping;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The connection pool's policy, between real nodes on loopback. */
class ConnectionPoolTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private final TestSwarms swarms = new TestSwarms();

    @AfterEach
    void closeSwarms() {
        swarms.close();
    }

    @ParameterizedTest
    @EnumSource(SwarmTransportsTest.Kind.class)
    void concurrentDialsToOnePeerShareOneDial(SwarmTransportsTest.Kind kind) throws Exception {
        Swarm a = swarms.start(b -> b.listen(kind.ipv4));
        Swarm b = swarms.start(c -> c.listen(kind.ipv4));
        a.peerStore().addAddresses(b.localPeerId(), b.listenAddresses());

        List<CompletableFuture<Connection>> dials = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            dials.add(a.dial(b.localPeerId()));
        }

        Connection first = dials.get(0).get(10, TimeUnit.SECONDS);
        for (CompletableFuture<Connection> dial : dials) {
            assertThat(dial.get(10, TimeUnit.SECONDS)).isSameAs(first);
        }
        await().atMost(WAIT).until(() -> b.connectedPeers().contains(a.localPeerId()));
        assertThat(a.connections(b.localPeerId())).containsExactly(first);
        assertThat(b.connections(a.localPeerId())).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(SwarmTransportsTest.Kind.class)
    void peersDiallingEachOtherAtOnceKeepOneConnection(SwarmTransportsTest.Kind kind) throws Exception {
        Swarm a = swarms.start(b -> b.listen(kind.ipv4));
        Swarm b = swarms.start(c -> c.listen(kind.ipv4));

        CompletableFuture<Connection> ab = a.dial(TestSwarms.address(b));
        CompletableFuture<Connection> ba = b.dial(TestSwarms.address(a));
        ab.get(10, TimeUnit.SECONDS);
        ba.get(10, TimeUnit.SECONDS);

        // Both sides must settle on the same connection, not each close the one the other kept.
        await().atMost(WAIT).until(() -> a.connections(b.localPeerId()).size() == 1 && b.connections(a.localPeerId()).size() == 1);
        Connection kept = a.connection(b.localPeerId());
        Connection keptByB = b.connection(a.localPeerId());
        assertThat(kept.direction()).isNotEqualTo(keptByB.direction());
        assertThat(port(kept.localAddress())).isEqualTo(port(keptByB.remoteAddress()));
        assertThat(port(kept.remoteAddress())).isEqualTo(port(keptByB.localAddress()));
        assertThat(Ping.ping(kept).get(10, TimeUnit.SECONDS)).isPositive();
    }

    private static String port(Multiaddr address) {
        return address.toString().split("/")[4];
    }

    @Test
    void aPeerHasAtMostItsCapOfConnections() throws Exception {
        Swarm a = swarms.start(b -> b.listen(TestSwarms.LOOPBACK_QUIC).maxConnectionsPerPeer(2));
        Swarm b = swarms.start();

        for (int i = 0; i < 5; i++) {
            a.dial(TestSwarms.address(b)).get(10, TimeUnit.SECONDS);
            assertThat(a.connections(b.localPeerId())).hasSizeLessThanOrEqualTo(2);
        }
        assertThat(Ping.ping(a.connection(b.localPeerId())).get(10, TimeUnit.SECONDS)).isPositive();
    }

    @Test
    void aDeadQuicAddressCostsTheStaggerNotTheHandshakeTimeout() throws Exception {
        Swarm a = swarms.start(b -> b.listen(TestSwarms.LOOPBACK_QUIC).dialStagger(Duration.ofMillis(250)));
        Swarm b = swarms.start(c -> c.listen(TestSwarms.LOOPBACK_TCP));
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Multiaddr deadQuic = Multiaddr.parse("/ip4/127.0.0.1/udp/" + silent.getLocalPort() + "/quic-v1");

            long start = System.nanoTime();
            Connection connection = a.dial(b.localPeerId(), List.of(TestSwarms.tcpAddress(b), deadQuic)).get(10, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(connection.transport()).isEqualTo("tcp");
            // The QUIC handshake timeout is 10 s: the TCP address must not wait for it.
            assertThat(took).isLessThan(a.config().quic().handshakeTimeout().dividedBy(2));
        }
    }

    @Test
    void aFailedDialNamesEveryAddressAndItsError() throws Exception {
        Swarm a = swarms.start(b -> b.listen(TestSwarms.LOOPBACK_QUIC)
                .quic(new QuicSettings(Duration.ofSeconds(10), LivenessSettings.QUIC_DEFAULTS, Duration.ofSeconds(1), 256)));
        Swarm b = swarms.start();
        int closedTcpPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedTcpPort = socket.getLocalPort();
        }
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Multiaddr deadQuic = Multiaddr.parse("/ip4/127.0.0.1/udp/" + silent.getLocalPort() + "/quic-v1");
            Multiaddr closedTcp = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + closedTcpPort);

            assertThatThrownBy(() -> a.dial(b.localPeerId(), List.of(closedTcp, deadQuic)).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(DialFailedException.class, e -> {
                        assertThat(e.errors()).hasSize(2);
                        assertThat(e.getMessage()).contains(b.localPeerId().toString())
                                .contains("/udp/" + silent.getLocalPort() + "/quic-v1").contains("/tcp/" + closedTcpPort);
                    });
        }
    }

    @Test
    void aPeerThatRestartedIsUsedAtOnceAndItsStaleConnectionClosed() throws Exception {
        PrivateKey bKey = PrivateKey.generateEd25519();
        Swarm a = swarms.start(b -> b.listen(TestSwarms.LOOPBACK_QUIC));
        Swarm b1 = swarms.start(bKey, c -> c.listen(TestSwarms.LOOPBACK_QUIC));
        int b1Port = Integer.parseInt(b1.listenAddresses().get(0).toString().split("/")[4]);
        try (UdpRelay relay = new UdpRelay(new InetSocketAddress("127.0.0.1", b1Port), 0, 0, 1)) {
            Connection stale = a.dial(Multiaddr.parse("/ip4/127.0.0.1/udp/" + relay.address().getPort() + "/quic-v1"))
                    .get(10, TimeUnit.SECONDS);
            CompletableFuture<CloseCause> staleClosed = stale.closeFuture();
            // b1 vanishes without a word: nothing it sends reaches a any more, as after a kill -9.
            relay.blackhole(true);
            b1.close();

            Swarm b2 = swarms.start(bKey, c -> c.listen(TestSwarms.LOOPBACK_QUIC));
            Connection fromB2 = b2.dial(TestSwarms.address(a)).get(10, TimeUnit.SECONDS);

            // a takes the new connection at once for new streams...
            await().atMost(WAIT).until(() -> a.connections(b2.localPeerId()).size() == 2 || !stale.isOpen());
            Connection preferred = a.connection(b2.localPeerId());
            assertThat(preferred).isNotSameAs(stale);
            assertThat(preferred.direction()).isEqualTo(Direction.INBOUND);
            assertThat(Ping.ping(preferred).get(10, TimeUnit.SECONDS)).isPositive();
            assertThat(Ping.ping(fromB2).get(10, TimeUnit.SECONDS)).isPositive();
            // ...and drops the stale one once probes on it go unanswered: superseded by the new
            // one, or given up on by liveness, whichever comes first.
            CloseCause cause = staleClosed.get(15, TimeUnit.SECONDS);
            assertThat(cause.kind() == CloseCause.Kind.KEEP_ALIVE_TIMEOUT || cause.detail().contains("superseded"))
                    .as("closed as stale, not for another reason: %s", cause).isTrue();
            assertThat(a.connections(b2.localPeerId())).containsExactly(preferred);
        }
    }
}
