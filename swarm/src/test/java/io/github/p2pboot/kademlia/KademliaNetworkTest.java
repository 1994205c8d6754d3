package io.github.p2pboot.kademlia;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.swarm.LivenessSettings;
import io.github.p2pboot.swarm.QuicSettings;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** 50 nodes on loopback QUIC in one JVM, joined through one bootstrap node, replication factor 4. */
class KademliaNetworkTest {

    private static final int NODES = 50;
    private static final TestSwarms swarms = new TestSwarms();
    private static final List<Swarm> nodes = new ArrayList<>();
    private static final List<Kademlia> dhts = new ArrayList<>();

    @BeforeAll
    static void buildNetwork() throws Exception {
        KademliaConfig config = KademliaConfig.builder().replicationFactor(4).parallelism(3)
                .queryTimeout(Duration.ofSeconds(20)).build();
        // Pings every 5 s that close only after 3 s of silence: fifty nodes in one JVM on a small
        // machine stall each other for longer than the default liveness (a ping a second, 60 ms
        // floor) forgives, and this test is about lookups, as KademliaLookupBench notes.
        LivenessSettings liveness = new LivenessSettings(Duration.ofSeconds(5), Duration.ofSeconds(1), 3);
        for (int i = 0; i < NODES; i++) {
            Swarm swarm = swarms.start(b -> b.quic(QuicSettings.DEFAULTS.withLiveness(liveness)));
            Kademlia dht = new Kademlia(swarm, config);
            dht.registerValidator("test", (key, value) -> { });
            dht.start();
            nodes.add(swarm);
            dhts.add(dht);
        }
        Swarm bootstrap = nodes.get(0);
        for (int i = 1; i < NODES; i++) {
            dhts.get(i).addPeer(bootstrap.localPeerId(), bootstrap.listenAddresses());
        }
        // Nodes join one after another, as a network grows.
        for (int i = 1; i < NODES; i++) {
            dhts.get(i).bootstrap().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        dhts.forEach(Kademlia::close);
        swarms.close();
    }

    @Test
    void everyNodeFindsEveryOtherByFindNode() throws Exception {
        List<CompletableFuture<List<String>>> perNode = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            int from = i;
            perNode.add(CompletableFuture.supplyAsync(() -> {
                List<String> missed = new ArrayList<>();
                for (int to = 0; to < NODES; to++) {
                    if (to == from) {
                        continue;
                    }
                    PeerId target = nodes.get(to).localPeerId();
                    QueryResult<List<PeerId>> result = dhts.get(from).findClosestPeers(target.toBytes()).join();
                    if (!result.closestPeers().contains(target)) {
                        missed.add(from + "->" + to);
                    }
                }
                return missed;
            }));
        }
        List<String> missed = new ArrayList<>();
        for (CompletableFuture<List<String>> node : perNode) {
            missed.addAll(node.get(240, TimeUnit.SECONDS));
        }
        assertThat(missed).as("lookups that did not find their target").isEmpty();
    }

    @Test
    void aValuePutOnOneNodeIsReadOnEveryOther() throws Exception {
        byte[] key = "/test/network-value".getBytes(StandardCharsets.UTF_8);
        byte[] value = "stored by node 7".getBytes(StandardCharsets.UTF_8);

        QueryResult<Integer> put = dhts.get(7).putValue(key, value).get(60, TimeUnit.SECONDS);

        assertThat(put.value()).isGreaterThanOrEqualTo(3);
        for (int i = 0; i < NODES; i++) {
            assertThat(dhts.get(i).getValue(key).get(60, TimeUnit.SECONDS).value()).as("GET on node %d", i).contains(value);
        }
    }

    @Test
    void providersAreFound() throws Exception {
        byte[] key = "provided-content".getBytes(StandardCharsets.UTF_8);

        QueryResult<Integer> provided = dhts.get(11).provide(key).get(60, TimeUnit.SECONDS);

        assertThat(provided.value()).isGreaterThanOrEqualTo(3);
        for (int i : new int[] {0, 3, 25, 42, 49}) {
            assertThat(dhts.get(i).findProviders(key).get(60, TimeUnit.SECONDS).value()).as("providers seen by node %d", i)
                    .contains(nodes.get(11).localPeerId());
        }
    }

    @Test
    void routingTablesFilledUp() {
        for (Kademlia dht : dhts) {
            assertThat(dht.routingTableSize()).isGreaterThanOrEqualTo(4);
        }
    }
}
