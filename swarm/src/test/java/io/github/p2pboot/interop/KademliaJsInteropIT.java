package io.github.p2pboot.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.interop.peers.JsPeer;
import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.kademlia.KademliaConfig;
import io.github.p2pboot.kademlia.QueryResult;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our Kademlia and js-libp2p's kad-dht (server mode) in one network on loopback: two js nodes and
 * two of ours. jsA is our bootstrap peer; jsB joins through jsA; our second node joins through our
 * first.
 */
class KademliaJsInteropIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final TestSwarms swarms = new TestSwarms();
    private static JsPeer jsA;
    private static JsPeer jsB;
    private static Swarm first;
    private static Swarm second;
    private static Kademlia firstDht;
    private static Kademlia secondDht;

    @BeforeAll
    static void buildNetwork() throws Exception {
        jsA = JsPeer.start(JsPeer.options().kad(true).tcp(false));
        jsB = JsPeer.start(JsPeer.options().kad(true).tcp(false));
        jsB.dial(jsA.quicAddress());
        KademliaConfig config = KademliaConfig.builder().replicationFactor(20).queryTimeout(Duration.ofSeconds(20)).build();
        first = swarms.start();
        second = swarms.start();
        firstDht = new Kademlia(first, config);
        secondDht = new Kademlia(second, config);
        // The js peers validate the test namespace too (peer.mjs); ours must know it to store and read it.
        firstDht.registerValidator("test", (key, value) -> { });
        secondDht.registerValidator("test", (key, value) -> { });
        firstDht.start();
        secondDht.start();

        Multiaddr jsAddress = Multiaddr.parse(jsA.quicAddress());
        firstDht.addPeer(jsAddress.peerId().orElseThrow(), List.of(jsAddress.withoutPeerId()));
        first.dial(jsAddress).get(20, TimeUnit.SECONDS);
        firstDht.bootstrap().get(30, TimeUnit.SECONDS);
        secondDht.addPeer(first.localPeerId(), first.listenAddresses());
        secondDht.bootstrap().get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        if (firstDht != null) {
            firstDht.close();
            secondDht.close();
        }
        swarms.close();
        if (jsA != null) {
            jsA.close();
        }
        if (jsB != null) {
            jsB.close();
        }
    }

    @Test
    void ourNodeBootstrapsFromTheJsNodeAndLearnsOfTheOtherJsNode() {
        assertThat(firstDht.routingTablePeers()).extracting(PeerId::toString).contains(jsA.peerId(), jsB.peerId());
    }

    @Test
    void theJsNodeTakesOurNodeIntoItsRoutingTable() {
        await().atMost(WAIT).until(() -> jsA.routingTable().contains(first.localPeerId().toString()));
    }

    @Test
    void ourLookupFindsAJsPeerWeWereNeverConnectedTo() throws Exception {
        QueryResult<List<PeerId>> result = secondDht.findClosestPeers(PeerId.parse(jsB.peerId()).toBytes()).get(30, TimeUnit.SECONDS);

        assertThat(result.closestPeers()).extracting(PeerId::toString).contains(jsB.peerId());
    }

    @Test
    void jsLookupFindsOurSecondNode() {
        List<String> closest = jsB.kadClosestPeersToPeer(second.localPeerId().toString());

        assertThat(closest).contains(second.localPeerId().toString());
    }

    @Test
    void aValuePutByUsIsReadByJs() throws Exception {
        byte[] value = "from p2pboot".getBytes(StandardCharsets.UTF_8);

        QueryResult<Integer> put = secondDht.putValue("/test/from-java".getBytes(StandardCharsets.UTF_8), value).get(30, TimeUnit.SECONDS);

        assertThat(put.value()).isGreaterThanOrEqualTo(2);
        assertThat(jsB.kadGet("/test/from-java")).isEqualTo(value);
    }

    @Test
    void aValuePutByJsIsReadByUs() throws Exception {
        byte[] value = "from js-libp2p".getBytes(StandardCharsets.UTF_8);
        jsB.kadPut("/test/from-js", value);

        assertThat(secondDht.getValue("/test/from-js".getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS).value()).contains(value);
    }
}
