package io.github.p2pboot.peerstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import io.github.p2pboot.swarm.TestSwarms;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real swarms on loopback: a node restarted with the same store file remembers its peer and redials it. */
class PeerStoreRestartTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path folder;

    private final TestSwarms swarms = new TestSwarms();

    @AfterEach
    void closeSwarms() {
        swarms.close();
    }

    @Test
    void aRestartedNodeKnowsItsPeerWithTheAddressItConnectedToRankedFirst() throws Exception {
        Swarm b = swarms.start(builder -> builder.listen(TestSwarms.LOOPBACK_QUIC).listen(TestSwarms.LOOPBACK_TCP));
        Multiaddr bQuic = b.listenAddresses().get(0);
        Multiaddr bTcp = TestSwarms.tcpAddress(b).withoutPeerId();
        PrivateKey keyA = PrivateKey.generateEd25519();
        Path file = folder.resolve("peers.store");

        try (FilePeerStore store = FilePeerStore.open(file, keyA.peerId());
                Swarm a = new Swarm(config(keyA, store))) {
            a.start();
            // B reports QUIC first; A connects over TCP, so only the observed rank puts TCP first.
            a.dial(bTcp.withPeerId(b.localPeerId())).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> store.info(b.localPeerId()).isPresent());
            assertThat(store.info(b.localPeerId()).orElseThrow().listenAddresses()).startsWith(bQuic);
        }

        try (FilePeerStore store = FilePeerStore.open(file, keyA.peerId());
                Swarm a = new Swarm(config(keyA, store))) {
            assertThat(store.peers()).containsExactly(b.localPeerId());
            assertThat(store.recentlyConnected(10)).containsExactly(b.localPeerId());
            assertThat(store.addresses(b.localPeerId()).get(0)).satisfies(first -> {
                assertThat(first.address()).isEqualTo(bTcp);
                assertThat(first.source()).isEqualTo(AddressSource.OBSERVED);
            });
            assertThat(store.dialAddresses(b.localPeerId())).containsExactly(bTcp, bQuic);
            assertThat(store.protocols(b.localPeerId())).isNotEmpty();

            a.start();
            Connection again = a.dial(b.localPeerId()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(again.remotePeer()).isEqualTo(b.localPeerId());
            assertThat(again.isOpen()).isTrue();
        }
    }

    private static SwarmConfig config(PrivateKey key, PeerStore store) {
        return SwarmConfig.builder(key).ioThreads(1).listen(TestSwarms.LOOPBACK_QUIC).listen(TestSwarms.LOOPBACK_TCP)
                .peerStore(store).build();
    }
}
