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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What every transport must do the same way, run over QUIC and over TCP on loopback. */
class SwarmTransportsTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    enum Kind {
        QUIC("quic-v1", TestSwarms.LOOPBACK_QUIC, "/ip6/::1/udp/0/quic-v1"),
        TCP("tcp", TestSwarms.LOOPBACK_TCP, "/ip6/::1/tcp/0");

        final String name;
        final String ipv4;
        final String ipv6;

        Kind(String name, String ipv4, String ipv6) {
            this.name = name;
            this.ipv4 = ipv4;
            this.ipv6 = ipv6;
        }
    }

    private final TestSwarms swarms = new TestSwarms();

    @AfterEach
    void closeSwarms() {
        swarms.close();
    }

    private Swarm start(String listen) {
        return swarms.start(b -> b.listen(listen));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void dialsAndPingsBothWays(Kind kind) throws Exception {
        Swarm a = start(kind.ipv4);
        Swarm b = start(kind.ipv4);

        Connection connection = a.dial(TestSwarms.address(b)).get(10, TimeUnit.SECONDS);

        assertThat(connection.remotePeer()).isEqualTo(b.localPeerId());
        assertThat(connection.direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(connection.transport()).isEqualTo(kind.name);
        assertThat(Ping.ping(connection).get(10, TimeUnit.SECONDS)).isPositive();
        await().atMost(WAIT).until(() -> b.connectedPeers().contains(a.localPeerId()));
        Connection inbound = b.connection(a.localPeerId());
        assertThat(inbound.direction()).isEqualTo(Direction.INBOUND);
        assertThat(inbound.transport()).isEqualTo(kind.name);
        assertThat(Ping.ping(inbound).get(10, TimeUnit.SECONDS)).isPositive();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void dialsOverIpv6(Kind kind) throws Exception {
        Swarm a = start(kind.ipv6);
        Swarm b = start(kind.ipv6);

        Multiaddr address = TestSwarms.address(b);
        assertThat(address.toString()).startsWith("/ip6/::1/");

        assertThat(Ping.ping(a.dial(address).get(10, TimeUnit.SECONDS)).get(10, TimeUnit.SECONDS)).isPositive();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void dialToTheWrongPeerIdFailsNamingBothIds(Kind kind) throws Exception {
        Swarm a = start(kind.ipv4);
        Swarm b = start(kind.ipv4);
        PeerId someoneElse = PrivateKey.generateEd25519().peerId();

        CompletableFuture<Connection> dial = a.dial(TestSwarms.address(b).withPeerId(someoneElse));

        assertThatThrownBy(() -> dial.get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(PeerIdMismatchException.class)
                .hasMessageContaining(someoneElse.toString())
                .hasMessageContaining(b.localPeerId().toString());
        assertThat(a.connectedPeers()).doesNotContain(b.localPeerId());
        // b goes on serving: a correct dial succeeds.
        assertThat(Ping.ping(a.dial(TestSwarms.address(b)).get(10, TimeUnit.SECONDS)).get(10, TimeUnit.SECONDS)).isPositive();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void oversizedMultistreamMessageClosesOnlyThatStream(Kind kind) throws Exception {
        Swarm a = start(kind.ipv4);
        Swarm b = start(kind.ipv4);
        SwarmConnection connection = (SwarmConnection) a.dial(TestSwarms.address(b)).get(10, TimeUnit.SECONDS);

        Channel raw = connection.muxed().openStream().get(10, TimeUnit.SECONDS);
        ByteBuf oversized = Unpooled.buffer();
        Varint.write(100_000, oversized);
        oversized.writeZero(2_000);
        raw.writeAndFlush(oversized);

        // The listener closes its stream: ours sees the end of input (streams allow half-closure).
        await().atMost(WAIT).until(() -> !raw.isActive() || ((DuplexChannel) raw).isInputShutdown());
        assertThat(connection.isOpen()).isTrue();
        assertThat(Ping.ping(connection).get(10, TimeUnit.SECONDS)).isPositive();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void closeTellsThePeer(Kind kind) throws Exception {
        Swarm a = start(kind.ipv4);
        Swarm b = start(kind.ipv4);
        List<CloseCause> seenByB = new CopyOnWriteArrayList<>();
        b.addListener(new SwarmListener() {
            @Override
            public void connectionClosed(Connection connection, CloseCause cause, int remaining) {
                seenByB.add(cause);
            }
        });
        Connection connection = a.dial(TestSwarms.address(b)).get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> b.connectedPeers().contains(a.localPeerId()));

        connection.close().get(10, TimeUnit.SECONDS);

        assertThat(connection.closeFuture().get(10, TimeUnit.SECONDS).kind()).isEqualTo(CloseCause.Kind.LOCAL);
        await().atMost(WAIT).until(() -> !seenByB.isEmpty());
        assertThat(seenByB.get(0).kind()).isEqualTo(CloseCause.Kind.REMOTE);
        assertThat(b.connectedPeers()).doesNotContain(a.localPeerId());
    }
}
