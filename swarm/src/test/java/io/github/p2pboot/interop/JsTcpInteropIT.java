package io.github.p2pboot.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.interop.peers.JsPeer;
import io.github.p2pboot.interop.peers.JsPeerException;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.identify.Identify;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.PeerInfo;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.swarm.StreamTestSupport;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import io.github.p2pboot.transport.PeerIdMismatchException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Our node against a real js-libp2p node over TCP: its Noise ({@code @chainsafe/libp2p-noise}) and
 * Yamux ({@code @chainsafe/libp2p-yamux}), both ways on loopback.
 */
class JsTcpInteropIT {

    private static final String ECHO = "/p2pboot/echo/1.0.0";
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static JsPeer js;
    private static final TestSwarms swarms = new TestSwarms();
    private static Swarm swarm;

    @BeforeAll
    static void start() {
        js = JsPeer.start(JsPeer.options());
        swarm = swarms.start(b -> b.listen(TestSwarms.LOOPBACK_TCP));
        swarm.registerProtocol(StreamTestSupport.echoHandler(ECHO));
    }

    @AfterAll
    static void stop() {
        swarms.close();
        if (js != null) {
            js.close();
        }
    }

    @Test
    void ourNodeDialsAndPingsTheJsNodeOverTcp() throws Exception {
        Connection connection = swarm.dial(Multiaddr.parse(js.tcpAddress())).get(20, TimeUnit.SECONDS);

        assertThat(connection.transport()).isEqualTo("tcp");
        assertThat(connection.remotePeer().toString()).isEqualTo(js.peerId());
        assertThat(Ping.ping(connection).get(10, TimeUnit.SECONDS)).isPositive();
    }

    @Test
    void ourIdentifySeesTheJsProtocolsAndTcpAddress() throws Exception {
        swarm.dial(Multiaddr.parse(js.tcpAddress())).get(20, TimeUnit.SECONDS);

        PeerId jsId = PeerId.parse(js.peerId());
        await().atMost(WAIT).until(() -> swarm.peerStore().info(jsId).isPresent());
        PeerInfo info = swarm.peerStore().info(jsId).orElseThrow();
        assertThat(info.protocols()).contains(Ping.PROTOCOL_ID, Identify.PROTOCOL_ID);
        assertThat(info.listenAddresses()).contains(Multiaddr.parse(js.tcpAddress()).withoutPeerId());
    }

    @Test
    void jsNodeDialsAndPingsOurNodeOverTcp() {
        String ourAddress = TestSwarms.tcpAddress(swarm).toString();

        assertThat(js.dial(ourAddress)).isEqualTo(swarm.localPeerId().toString());
        assertThat(js.ping(ourAddress)).isGreaterThanOrEqualTo(Duration.ZERO).isLessThan(Duration.ofSeconds(10));
        await().atMost(WAIT).until(() -> swarm.connections(PeerId.parse(js.peerId())).stream()
                .anyMatch(c -> c.transport().equals("tcp")));
    }

    @Test
    void jsIdentifySeesOurTcpAddress() {
        js.dial(TestSwarms.tcpAddress(swarm).toString());

        JsonNode identified = js.awaitEvent(e -> "peer:identify".equals(e.get("event").asString())
                && swarm.localPeerId().toString().equals(e.get("peerId").asString()), WAIT);
        List<String> listenAddrs = new ArrayList<>();
        identified.get("listenAddrs").forEach(a -> listenAddrs.add(a.asString()));
        assertThat(listenAddrs).contains(TestSwarms.tcpAddress(swarm).withoutPeerId().toString());
        List<String> protocols = new ArrayList<>();
        identified.get("protocols").forEach(p -> protocols.add(p.asString()));
        assertThat(protocols).contains(Ping.PROTOCOL_ID, ECHO);
    }

    @Test
    void streamsCarryDataBothWaysThroughYamuxWindows() throws Exception {
        // Larger than Yamux's 256 KiB initial window, so window updates must flow both ways.
        byte[] data = new byte[600 * 1024];
        new Random(42).nextBytes(data);

        assertThat(js.echo(TestSwarms.tcpAddress(swarm).toString(), ECHO, data)).isEqualTo(data);

        Stream stream = swarm.dial(Multiaddr.parse(js.tcpAddress())).get(20, TimeUnit.SECONDS)
                .newStream(ECHO).get(10, TimeUnit.SECONDS);
        assertThat(StreamTestSupport.roundTrip(stream, data)).isEqualTo(data);
    }

    @Test
    void ourDialWithAWrongPeerIdFailsNamingBothIds() {
        PeerId wrong = PrivateKey.generateEd25519().peerId();
        CompletableFuture<Connection> dial = swarm.dial(Multiaddr.parse(js.tcpAddress()).withPeerId(wrong));

        assertThatThrownBy(() -> dial.get(20, TimeUnit.SECONDS))
                .hasCauseInstanceOf(PeerIdMismatchException.class)
                .hasMessageContaining(wrong.toString())
                .hasMessageContaining(js.peerId());
    }

    @Test
    void jsDialWithAWrongPeerIdFails() {
        PeerId wrong = PrivateKey.generateEd25519().peerId();
        String address = TestSwarms.tcpAddress(swarm).withPeerId(wrong).toString();

        assertThatThrownBy(() -> js.dial(address)).isInstanceOf(JsPeerException.class);
        assertThat(js.ping(TestSwarms.tcpAddress(swarm).toString())).isGreaterThanOrEqualTo(Duration.ZERO);
    }
}
