package io.github.p2pboot.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.interop.peers.PeerCommandException;
import io.github.p2pboot.interop.peers.PeerProcess;
import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.kademlia.KademliaConfig;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/**
 * One row of the interop matrix: our node against a real node of another libp2p implementation
 * ({@link #implementation()}), each cell over QUIC and over TCP (Noise, Yamux). One peer process and
 * one node of ours, each with Kademlia, serve all cells of the class.
 *
 * <p>The test method names are the matrix's columns: {@code interop/matrix-report.py} turns the
 * failsafe reports of the subclasses into the table of {@code docs/interop.md}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// Kademlia last, after the cells that hang up and make the peer dial anew over their transport.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class InteropMatrix {

    /** The transports of a cell, with how to find each side's address for it. */
    enum Transport {
        QUIC("quic-v1", "quic-v1"),
        TCP("tcp", "tcp");

        final String addressPart;
        final String engineName;

        Transport(String addressPart, String engineName) {
            this.addressPart = addressPart;
            this.engineName = engineName;
        }
    }

    private static final String ECHO = "/p2pboot/echo/1.0.0";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int ONE_MIB = 1 << 20;

    private final TestSwarms swarms = new TestSwarms();
    private PeerProcess peer;
    private PeerProcess jsKadPeer;
    private Swarm ours;
    private Kademlia ourDht;
    private PeerId peerId;

    abstract PeerProcess.Implementation implementation();

    @BeforeAll
    void start() {
        PeerProcess.unavailable(implementation()).ifPresent(reason -> assumeTrue(false, reason));
        // js-libp2p's kad-dht takes us into its table as soon as identify shows our Kademlia, and
        // then redials us whenever we hang up, which the cells need to do to make the peer dial
        // anew over their transport. So the js row runs its Kademlia cells on a second js node.
        peer = PeerProcess.start(implementation(), PeerProcess.options().kad(implementation() != PeerProcess.Implementation.JS));
        peerId = PeerId.parse(peer.peerId());
        ours = swarms.start(b -> b.listen(TestSwarms.LOOPBACK_QUIC).listen(TestSwarms.LOOPBACK_TCP));
        ours.registerProtocol(StreamTestSupport.echoHandler(ECHO));
        ourDht = new Kademlia(ours, KademliaConfig.builder().queryTimeout(Duration.ofSeconds(20)).build());
        // The peers validate the test namespace too; ours must know it to store and read it.
        ourDht.registerValidator("test", (key, value) -> { });
        ourDht.start();
    }

    /** The peer the Kademlia cells use: {@link #peer}, but for js a second node with kad-dht on. */
    private synchronized PeerProcess kadPeer() {
        if (implementation() != PeerProcess.Implementation.JS) {
            return peer;
        }
        if (jsKadPeer == null) {
            jsKadPeer = PeerProcess.start(implementation(), PeerProcess.options().kad(true));
        }
        return jsKadPeer;
    }

    @AfterAll
    void stop() {
        if (jsKadPeer != null) {
            jsKadPeer.close();
        }
        if (ourDht != null) {
            ourDht.close();
        }
        swarms.close();
        if (peer != null) {
            peer.close();
        }
    }

    private String peerAddress(Transport transport) {
        return transport == Transport.QUIC ? peer.quicAddress() : peer.tcpAddress();
    }

    private Multiaddr ourAddress(Transport transport) {
        return ours.listenAddresses().stream().filter(a -> a.toString().contains("/" + transport.addressPart))
                .findFirst().orElseThrow().withPeerId(ours.localPeerId());
    }

    /**
     * No connection left between the two, so that the next dial makes a new one over the cell's
     * transport. Hangs up again while one is there: a peer may dial back at once for a request it
     * had in flight (go-libp2p-kad-dht checks a new peer with a FIND_NODE before taking it in).
     */
    private void disconnect() {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            boolean connected = ours.connectedPeers().contains(peerId)
                    || peer.connections().stream().anyMatch(c -> ours.localPeerId().toString().equals(c.get("remotePeer").asString()));
            if (connected) {
                peer.hangUp(ours.localPeerId().toString());
                ours.disconnect(peerId).get(10, TimeUnit.SECONDS);
            }
            return !connected;
        });
    }

    private Connection ourDial(Transport transport) throws Exception {
        Connection connection = ours.dial(Multiaddr.parse(peerAddress(transport))).get(20, TimeUnit.SECONDS);
        assertThat(connection.transport()).isEqualTo(transport.engineName);
        return connection;
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void dialAndPingBothWays(Transport transport) throws Exception {
        disconnect();
        Connection connection = ourDial(transport);
        assertThat(connection.remotePeer()).isEqualTo(peerId);
        assertPingable(connection);

        disconnect();
        String address = ourAddress(transport).toString();
        assertThat(peer.dial(address)).isEqualTo(ours.localPeerId().toString());
        assertThat(peer.ping(address)).isGreaterThanOrEqualTo(Duration.ZERO).isLessThan(Duration.ofSeconds(10));
        await().atMost(WAIT).until(() -> ours.connections(peerId).stream().anyMatch(c -> c.transport().equals(transport.engineName)));
    }

    @Order(2)
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void identifyBothWays(Transport transport) throws Exception {
        disconnect();
        int identifiedBefore = identifyEvents().size();
        ourDial(transport);

        await().atMost(WAIT).until(() -> ours.peerStore().info(peerId)
                .filter(i -> i.listenAddresses().contains(Multiaddr.parse(peerAddress(transport)).withoutPeerId())).isPresent());
        PeerInfo info = ours.peerStore().info(peerId).orElseThrow();
        assertThat(info.protocols()).contains(Ping.PROTOCOL_ID, Identify.PROTOCOL_ID, ECHO);
        assertThat(info.agentVersion()).isNotBlank();

        await().atMost(WAIT).until(() -> identifyEvents().size() > identifiedBefore);
        JsonNode identified = identifyEvents().get(identifyEvents().size() - 1);
        assertThat(strings(identified.get("protocols"))).contains(Ping.PROTOCOL_ID, Identify.PROTOCOL_ID, ECHO);
        assertThat(strings(identified.get("listenAddrs"))).contains(ourAddress(transport).withoutPeerId().toString());
    }

    private List<JsonNode> identifyEvents() {
        return peer.events().stream().filter(e -> "peer:identify".equals(e.get("event").asString())
                && ours.localPeerId().toString().equals(e.get("peerId").asString())).toList();
    }

    @Order(3)
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void echoOneMebibyteBothWays(Transport transport) throws Exception {
        byte[] data = new byte[ONE_MIB];
        new Random(transport.ordinal()).nextBytes(data);

        disconnect();
        ourDial(transport);
        Stream stream = ours.newStream(peerId, ECHO).get(10, TimeUnit.SECONDS);
        assertThat(StreamTestSupport.roundTrip(stream, data)).isEqualTo(data);

        disconnect();
        byte[] echoedByUs = peer.echo(ourAddress(transport).toString(), ECHO, data);
        assertThat(echoedByUs).isEqualTo(data);
        assertThat(ours.connections(peerId)).extracting(Connection::transport).contains(transport.engineName);
    }

    @Order(5)
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void kademliaBootstrapAndPutGetBothWays(Transport transport) throws Exception {
        PeerProcess dht = kadPeer();
        PeerId dhtId = PeerId.parse(dht.peerId());
        Multiaddr theirs = Multiaddr.parse(transport == Transport.QUIC ? dht.quicAddress() : dht.tcpAddress());
        ourDht.addPeer(dhtId, List.of(theirs.withoutPeerId()));
        Connection connection = ours.dial(theirs).get(20, TimeUnit.SECONDS);
        assertThat(connection.transport()).isEqualTo(transport.engineName);
        ourDht.bootstrap().get(30, TimeUnit.SECONDS);
        assertThat(ourDht.routingTablePeers()).contains(dhtId);

        dht.call("kadAddPeer", Map.of("addr", ourAddress(transport).toString()), WAIT);
        dht.call("kadBootstrap", Map.of(), WAIT);
        await().atMost(WAIT).until(() -> dht.routingTable().contains(ours.localPeerId().toString()));

        String fromUs = "/test/from-p2pboot-" + transport.name().toLowerCase(Locale.ROOT);
        byte[] ourValue = ("from p2pboot over " + transport).getBytes(StandardCharsets.UTF_8);
        assertThat(ourDht.putValue(fromUs.getBytes(StandardCharsets.UTF_8), ourValue).get(30, TimeUnit.SECONDS).value())
                .isGreaterThanOrEqualTo(1);
        assertThat(dht.kadGet(fromUs)).isEqualTo(ourValue);

        String fromThem = "/test/from-" + implementation().name().toLowerCase(Locale.ROOT) + "-" + transport.name().toLowerCase(Locale.ROOT);
        byte[] theirValue = ("from " + implementation().displayName() + " over " + transport).getBytes(StandardCharsets.UTF_8);
        dht.kadPut(fromThem, theirValue);
        assertThat(ourDht.getValue(fromThem.getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS).value()).contains(theirValue);
    }

    @Order(4)
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void wrongPeerIdRefusedBothWays(Transport transport) throws Exception {
        disconnect();
        PeerId wrong = PrivateKey.generateEd25519().peerId();
        CompletableFuture<Connection> dial = ours.dial(Multiaddr.parse(peerAddress(transport)).withPeerId(wrong));
        assertThatThrownBy(() -> dial.get(20, TimeUnit.SECONDS))
                .hasCauseInstanceOf(PeerIdMismatchException.class)
                .hasMessageContaining(wrong.toString())
                .hasMessageContaining(peerId.toString());

        String wrongAddress = ourAddress(transport).withoutPeerId().withPeerId(wrong).toString();
        assertThatThrownBy(() -> peer.dial(wrongAddress)).isInstanceOf(PeerCommandException.class);

        // Both go on serving each other under the real ids. js-libp2p accepts at most 5 connections
        // a second from one host (inboundConnectionThreshold): the refused dial counted.
        Thread.sleep(1_100);
        assertPingable(ourDial(transport));
        assertThat(peer.ping(ourAddress(transport).toString())).isGreaterThanOrEqualTo(Duration.ZERO);
    }

    /**
     * One ping on {@code connection}. It goes on the connection's kept ping stream, which our
     * liveness opened: a second outbound ping stream is what rust-libp2p refused (docs/interop.md,
     * finding 1).
     */
    private static void assertPingable(Connection connection) throws Exception {
        assertThat(Ping.ping(connection).get(10, TimeUnit.SECONDS)).isPositive();
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asString()));
        return values;
    }
}
