package io.github.p2pboot.keeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.kademlia.KademliaConfig;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The peer keeper between real nodes on loopback QUIC. */
class PeerKeeperTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final TestSwarms swarms = new TestSwarms();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
        swarms.close();
    }

    private PeerKeeper keeper(Swarm swarm, PeerKeeperConfig config, Kademlia kademlia) {
        PeerKeeper keeper = new PeerKeeper(swarm, config, kademlia);
        closeables.add(0, keeper);
        keeper.start();
        return keeper;
    }

    private Kademlia kademlia(Swarm swarm) {
        Kademlia dht = new Kademlia(swarm, KademliaConfig.builder().replicationFactor(4).queryTimeout(Duration.ofSeconds(10)).build());
        dht.start();
        closeables.add(dht);
        return dht;
    }

    @Test
    void aLostBootstrapPeerIsRedialledAtOnceNotAfterTheBackOff() throws Exception {
        Swarm bootstrap = swarms.start();
        Swarm node = swarms.start();
        // A back-off of a minute: only an immediate first redial can reconnect within the wait below.
        PeerKeeper keeper = keeper(node, PeerKeeperConfig.builder().bootstrapPeer(TestSwarms.address(bootstrap))
                .backOff(ReconnectBackOff.exponential(Duration.ofMinutes(1), 2.0, Duration.ofMinutes(2), 0.0, 0)).build(), null);
        await().atMost(WAIT).until(() -> node.connectedPeers().contains(bootstrap.localPeerId()));

        bootstrap.disconnect(node.localPeerId()).get(5, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(10)).until(() -> node.connection(bootstrap.localPeerId()) != null
                && bootstrap.connectedPeers().contains(node.localPeerId()));
        assertThat(keeper.failedDials()).isZero();
        assertThat(keeper.successfulDials()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aBootstrapPeerThatIsDownIsRetriedWithBackOffUntilItReturns() throws Exception {
        PrivateKey bootstrapKey = PrivateKey.generateEd25519();
        Swarm bootstrap = swarms.start(bootstrapKey, b -> b.listen(TestSwarms.LOOPBACK_QUIC));
        Multiaddr address = TestSwarms.address(bootstrap);
        String listen = bootstrap.listenAddresses().get(0).toString();
        bootstrap.close();
        Swarm node = swarms.start(b -> b.listen(TestSwarms.LOOPBACK_QUIC)
                .quic(new io.github.p2pboot.swarm.QuicSettings(Duration.ofSeconds(10), io.github.p2pboot.swarm.LivenessSettings.QUIC_DEFAULTS, Duration.ofMillis(300), 256)));
        PeerKeeper keeper = keeper(node, PeerKeeperConfig.builder().bootstrapPeer(address)
                .backOff(ReconnectBackOff.exponential(Duration.ofMillis(100), 2.0, Duration.ofMillis(400), 0.0, 0)).build(), null);

        await().atMost(WAIT).until(() -> keeper.keptPeers().get(0).failures() >= 2);
        KeptPeerStatus waiting = keeper.keptPeers().get(0);
        assertThat(waiting.connected()).isFalse();
        assertThat(waiting.lastError()).hasValueSatisfying(error -> assertThat(error).contains(bootstrap.localPeerId().toString()));
        assertThat(keeper.isReconnecting()).isTrue();

        Swarm back = swarms.start(bootstrapKey, b -> b.listen(listen));
        await().atMost(WAIT).until(() -> node.connectedPeers().contains(back.localPeerId()));
        await().atMost(WAIT).until(() -> keeper.keptPeers().get(0).failures() == 0);
        assertThat(keeper.keptPeers().get(0).lastError()).isEmpty();
        assertThat(keeper.isReconnecting()).isFalse();
    }

    @Test
    void belowTargetItDialsThePeersItKnows() {
        Swarm c = swarms.start();
        Swarm d = swarms.start();
        Swarm node = swarms.start();
        node.peerStore().addAddresses(c.localPeerId(), c.listenAddresses());
        node.peerStore().addAddresses(d.localPeerId(), d.listenAddresses());

        keeper(node, PeerKeeperConfig.builder().targetPeers(2).build(), null);

        await().atMost(WAIT).until(() -> node.connectedPeers().containsAll(List.of(c.localPeerId(), d.localPeerId())));
    }

    @Test
    void belowTargetItFindsPeersThroughKademlia() {
        Swarm bootstrap = swarms.start();
        kademlia(bootstrap);
        List<Swarm> members = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Swarm member = swarms.start();
            Kademlia dht = kademlia(member);
            dht.addPeer(bootstrap.localPeerId(), bootstrap.listenAddresses());
            dht.bootstrap().join();
            members.add(member);
        }
        Swarm node = swarms.start();
        Kademlia dht = kademlia(node);

        keeper(node, PeerKeeperConfig.builder().bootstrapPeer(TestSwarms.address(bootstrap)).targetPeers(4)
                .discoveryInterval(Duration.ofMillis(500)).build(), dht);

        // Only the bootstrap peer was configured: the rest came from Kademlia.
        await().atMost(WAIT).until(() -> node.connectedPeers().size() >= 4);
        assertThat(node.connectedPeers()).contains(bootstrap.localPeerId());
    }
}
