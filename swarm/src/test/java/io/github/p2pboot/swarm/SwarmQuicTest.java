package io.github.p2pboot.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.multiaddr.Protocol;
import io.github.p2pboot.protocol.identify.Identify;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.transport.PeerIdMismatchException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two or three real swarms talking QUIC over loopback. */
class SwarmQuicTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private final TestSwarms swarms = new TestSwarms();

    @AfterEach
    void closeSwarms() {
        swarms.close();
    }

    @Test
    void identifyWorksBothWays() throws Exception {
        Swarm a = swarms.start();
        Swarm b = swarms.start();

        a.dial(TestSwarms.address(b)).get(10, TimeUnit.SECONDS);

        await().atMost(WAIT).until(() -> a.peerStore().info(b.localPeerId()).isPresent()
                && b.peerStore().info(a.localPeerId()).isPresent());
        PeerInfo bSeenByA = a.peerStore().info(b.localPeerId()).orElseThrow();
        assertThat(bSeenByA.protocols()).contains(Ping.PROTOCOL_ID, Identify.PROTOCOL_ID, Identify.PUSH_PROTOCOL_ID);
        assertThat(bSeenByA.listenAddresses()).contains(b.listenAddresses().get(0));
        assertThat(bSeenByA.agentVersion()).isEqualTo(SwarmConfig.DEFAULT_AGENT_VERSION);
        assertThat(bSeenByA.protocolVersion()).isEqualTo(Identify.PROTOCOL_VERSION);
        // B reports the address it sees A at: A's dial socket, whose port A knows.
        Multiaddr observed = bSeenByA.observedAddress().orElseThrow();
        assertThat(observed.value(Protocol.UDP)).isEqualTo(a.connection(b.localPeerId()).localAddress().value(Protocol.UDP));
        PeerInfo aSeenByB = b.peerStore().info(a.localPeerId()).orElseThrow();
        assertThat(aSeenByB.listenAddresses()).contains(a.listenAddresses().get(0));
        assertThat(aSeenByB.protocols()).contains(Ping.PROTOCOL_ID);
    }

    @Test
    void identifyPushAnnouncesANewProtocol() throws Exception {
        Swarm a = swarms.start();
        Swarm b = swarms.start();
        a.dial(TestSwarms.address(b)).get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> a.peerStore().info(b.localPeerId()).isPresent());

        b.registerProtocol(StreamTestSupport.echoHandler("/p2pboot/test/new/1.0.0"));

        await().atMost(WAIT).until(() -> a.peerStore().protocols(b.localPeerId()).contains("/p2pboot/test/new/1.0.0"));
    }

    @Test
    void registeredProtocolServesStreams() throws Exception {
        Swarm a = swarms.start();
        Swarm b = swarms.start();
        b.registerProtocol(StreamTestSupport.echoHandler("/p2pboot/echo/1.0.0"));
        a.peerStore().addAddresses(b.localPeerId(), b.listenAddresses());

        byte[] reply = StreamTestSupport.roundTrip(a.newStream(b.localPeerId(), "/p2pboot/echo/1.0.0").get(10, TimeUnit.SECONDS),
                "hello over QUIC".getBytes(StandardCharsets.UTF_8));

        assertThat(new String(reply, StandardCharsets.UTF_8)).isEqualTo("hello over QUIC");
    }

    @Test
    void unknownProtocolIsRefusedAndTheConnectionGoesOn() throws Exception {
        Swarm a = swarms.start();
        Swarm b = swarms.start();
        Connection connection = a.dial(TestSwarms.address(b)).get(10, TimeUnit.SECONDS);

        CompletableFuture<Stream> stream = connection.newStream("/p2pboot/unknown/1.0.0");

        assertThatThrownBy(() -> stream.get(10, TimeUnit.SECONDS)).hasMessageContaining("/p2pboot/unknown/1.0.0");
        assertThat(connection.isOpen()).isTrue();
        assertThat(Ping.ping(connection).get(10, TimeUnit.SECONDS)).isPositive();
    }

    @Test
    void busyPortFailsStartNamingTheAddress() throws Exception {
        Swarm a = swarms.start();
        Multiaddr taken = a.listenAddresses().get(0);

        Swarm second = new Swarm(SwarmConfig.builder(PrivateKey.generateEd25519()).ioThreads(1).listen(taken).build());

        assertThatThrownBy(second::start).hasMessageContaining(taken.toString());
        assertThat(second.isRunning()).isFalse();
    }

    @Test
    void listenAddressWithoutTransportIsRefused() {
        SwarmConfig.Builder builder = SwarmConfig.builder(PrivateKey.generateEd25519());

        assertThatThrownBy(() -> builder.listen("/ip4/127.0.0.1/udp/0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/ip4/127.0.0.1/udp/0 is not a QUIC or TCP listen address");
        assertThatThrownBy(() -> builder.listen("/dns4/localhost/tcp/0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("with an IP address, not a name");
    }
}
