package io.github.p2pboot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.identity.KeyFile;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.peerstore.FilePeerStore;
import io.github.p2pboot.peerstore.InMemoryPeerStore;
import io.github.p2pboot.peerstore.PeerStore;
import io.github.p2pboot.swarm.Swarm;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The {@code libp2p.peer-store.*} properties. */
class PeerStoreAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(Libp2pAutoConfiguration.class))
            .withPropertyValues("libp2p.listen=/ip4/127.0.0.1/udp/0/quic-v1");

    @TempDir
    Path dir;

    private ApplicationContextRunner withKeyFile() {
        return runner.withPropertyValues("libp2p.identity.key-file=" + dir.resolve("node.key"));
    }

    @Test
    void theStoreLivesNextToTheKeyFileAndKeepsItsPeersAcrossRestarts() {
        PeerId remembered = PrivateKey.generateEd25519().peerId();
        withKeyFile().run(context -> {
            PeerStore store = context.getBean(PeerStore.class);
            assertThat(store).isInstanceOf(FilePeerStore.class);
            // Named after the key file node.key, so that another node in the folder gets its own.
            assertThat(((FilePeerStore) store).path()).isEqualTo(dir.resolve("node.peers.store").toAbsolutePath());
            assertThat(context.getBean(Swarm.class).peerStore()).isSameAs(store);
            store.connected(remembered);
        });

        withKeyFile().run(context ->
                assertThat(context.getBean(PeerStore.class).recentlyConnected(10)).containsExactly(remembered));
    }

    @Test
    void anotherFileAndMaxPeersCanBeSet() {
        Path file = dir.resolve("elsewhere/known.peers");
        withKeyFile().withPropertyValues("libp2p.peer-store.file=" + file, "libp2p.peer-store.max-peers=1").run(context -> {
            PeerStore store = context.getBean(PeerStore.class);
            assertThat(((FilePeerStore) store).path()).isEqualTo(file.toAbsolutePath());
            store.connected(PrivateKey.generateEd25519().peerId());
            store.connected(PrivateKey.generateEd25519().peerId());
            assertThat(store.peers()).hasSize(1);
        });
        try (KeyFile key = KeyFile.open(dir.resolve("node.key"));
                FilePeerStore written = FilePeerStore.open(file, key.privateKey().peerId())) {
            assertThat(written.peers()).hasSize(1);
        }
    }

    @Test
    void turnedOffOrWithAnEphemeralIdentityTheStoreIsInMemory() {
        withKeyFile().withPropertyValues("libp2p.peer-store.enabled=false").run(context ->
                assertThat(context.getBean(PeerStore.class)).isInstanceOf(InMemoryPeerStore.class));
        runner.withPropertyValues("libp2p.identity.ephemeral=true").run(context ->
                assertThat(context.getBean(PeerStore.class)).isInstanceOf(InMemoryPeerStore.class));
        assertThat(dir.resolve("node.peers.store")).doesNotExist();
    }

    @Test
    void badSettingsStopStartUpNamingTheProperty() {
        assertFailure(withKeyFile().withPropertyValues("libp2p.peer-store.max-peers=0"), "libp2p.peer-store.max-peers", "1 or more");
        assertFailure(runner.withPropertyValues("libp2p.identity.ephemeral=true", "libp2p.peer-store.file=" + dir.resolve("p")),
                "libp2p.peer-store.file", "Remove libp2p.peer-store.file");
    }

    private static void assertFailure(ApplicationContextRunner runner, String property, String fix) {
        runner.run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new Libp2pFailureAnalyzer(null).analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains(property);
            assertThat(analysis.getDescription() + analysis.getAction()).contains(fix);
        });
    }
}
