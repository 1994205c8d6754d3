package io.github.p2pboot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.identity.KeyFile;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.swarm.LivenessSettings;
import io.github.p2pboot.swarm.ProtocolHandler;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class Libp2pAutoConfigurationTest {

    private static final String LOOPBACK = "libp2p.listen=/ip4/127.0.0.1/udp/0/quic-v1";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(Libp2pAutoConfiguration.class, Libp2pActuatorAutoConfiguration.class))
            .withPropertyValues(LOOPBACK, "libp2p.identity.ephemeral=true");

    @Test
    void runsANodeWithDefaults() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(Swarm.class).hasSingleBean(PeerConnectivity.class)
                    .hasSingleBean(io.github.p2pboot.kademlia.Kademlia.class)
                    .hasSingleBean(SwarmLifecycle.class).doesNotHaveBean(KeyFile.class);
            Swarm swarm = context.getBean(Swarm.class);
            assertThat(swarm.isRunning()).isTrue();
            assertThat(swarm.listenAddresses()).hasSize(1);
            assertThat(swarm.config().quic().maxIdleTimeout()).isEqualTo(Duration.ofSeconds(10));
            assertThat(swarm.config().quic().liveness()).isEqualTo(new LivenessSettings(Duration.ofSeconds(1), Duration.ofMillis(60), 3));
            assertThat(swarm.config().tcp().liveness()).isEqualTo(new LivenessSettings(Duration.ofSeconds(1), Duration.ofMillis(60), 3));
            // Server mode by default: the DHT protocol is served and advertised.
            assertThat(swarm.protocols()).contains("/ipfs/kad/1.0.0");
        });
    }

    @Test
    void disabledMeansNoNode() {
        runner.withPropertyValues("libp2p.enabled=false").run(context -> assertThat(context).doesNotHaveBean(Swarm.class)
                .doesNotHaveBean(Libp2pHealthIndicator.class));
    }

    @Test
    void userSwarmReplacesTheAutoConfiguredOne() {
        runner.withUserConfiguration(UserSwarm.class).run(context -> {
            assertThat(context).hasSingleBean(Swarm.class);
            assertThat(context.getBean(Swarm.class)).isSameAs(context.getBean(UserSwarm.class).swarm);
        });
    }

    @Test
    void protocolHandlerBeansAndCustomizersAreApplied() {
        AtomicReference<Swarm> customized = new AtomicReference<>();
        runner.withBean(ProtocolHandler.class, () -> new ProtocolHandler() {
                    @Override
                    public String protocolId() {
                        return "/test/app/1.0.0";
                    }

                    @Override
                    public void handleStream(Stream stream) {
                        stream.close();
                    }
                })
                .withBean(SwarmCustomizer.class, () -> customized::set)
                .run(context -> {
                    Swarm swarm = context.getBean(Swarm.class);
                    assertThat(swarm.protocols()).contains("/test/app/1.0.0");
                    assertThat(customized.get()).isSameAs(swarm);
                });
    }

    @Test
    void keyFileKeepsThePeerIdAcrossRestarts(@TempDir Path dir) {
        ApplicationContextRunner withFile = runner.withPropertyValues("libp2p.identity.ephemeral=false",
                "libp2p.identity.key-file=" + dir.resolve("node.key"));
        AtomicReference<PeerId> first = new AtomicReference<>();

        withFile.run(context -> first.set(context.getBean(Swarm.class).localPeerId()));
        withFile.run(context -> assertThat(context.getBean(Swarm.class).localPeerId()).isEqualTo(first.get()));
    }

    @Test
    void bindsEveryProperty() {
        runner.withPropertyValues(
                "libp2p.quic.max-idle-timeout=3s", "libp2p.quic.keep-alive-interval=300ms", "libp2p.quic.handshake-timeout=4s",
                "libp2p.quic.max-streams=64", "libp2p.tcp.enabled=false", "libp2p.tcp.handshake-timeout=7s", "libp2p.tcp.max-streams=32",
                "libp2p.quic.min-ping-timeout=80ms", "libp2p.quic.ping-failures=2",
                "libp2p.tcp.keep-alive-interval=2s", "libp2p.tcp.min-ping-timeout=150ms", "libp2p.tcp.ping-failures=4",
                "libp2p.kademlia.protocol=/mynet/kad/1.0.0", "libp2p.kademlia.mode=client", "libp2p.kademlia.query-timeout=30s",
                "libp2p.kademlia.replication-factor=4", "libp2p.kademlia.parallelism=5", "libp2p.kademlia.bootstrap-interval=1m",
                "libp2p.kademlia.record-ttl=2h", "libp2p.kademlia.max-store-size=8MB", "libp2p.kademlia.max-entries-per-peer=50",
                "libp2p.kademlia.max-size-per-peer=256KB",
                "libp2p.bootstrap.peers=/ip4/127.0.0.1/udp/9/quic-v1/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA",
                "libp2p.bootstrap.dial-on-start=false",
                "libp2p.reconnect.initial-backoff=100ms", "libp2p.reconnect.multiplier=1.5", "libp2p.reconnect.max-backoff=5s",
                "libp2p.reconnect.jitter=0.1", "libp2p.reconnect.max-attempts=7",
                "libp2p.health.min-peers=3", "libp2p.health.insufficient-status=out_of_service")
                .run(context -> {
                    Libp2pProperties p = context.getBean(Libp2pProperties.class);
                    assertThat(p.getKademlia().getProtocol()).isEqualTo("/mynet/kad/1.0.0");
                    assertThat(p.getKademlia().getMode()).isEqualTo(Libp2pProperties.KademliaMode.CLIENT);
                    assertThat(p.getKademlia().getQueryTimeout()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(p.getKademlia().getReplicationFactor()).isEqualTo(4);
                    assertThat(p.getKademlia().getParallelism()).isEqualTo(5);
                    assertThat(p.getKademlia().getBootstrapInterval()).isEqualTo(Duration.ofMinutes(1));
                    assertThat(p.getKademlia().getRecordTtl()).isEqualTo(Duration.ofHours(2));
                    assertThat(p.getBootstrap().isDialOnStart()).isFalse();
                    assertThat(p.getReconnect().getInitialBackoff()).isEqualTo(Duration.ofMillis(100));
                    assertThat(p.getReconnect().getMultiplier()).isEqualTo(1.5);
                    assertThat(p.getReconnect().getMaxBackoff()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(p.getReconnect().getJitter()).isEqualTo(0.1);
                    assertThat(p.getReconnect().getMaxAttempts()).isEqualTo(7);
                    SwarmConfig config = context.getBean(SwarmConfig.class);
                    assertThat(config.quic().maxIdleTimeout()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(config.quic().liveness()).isEqualTo(new LivenessSettings(Duration.ofMillis(300), Duration.ofMillis(80), 2));
                    assertThat(config.tcp().liveness()).isEqualTo(new LivenessSettings(Duration.ofSeconds(2), Duration.ofMillis(150), 4));
                    assertThat(config.quic().handshakeTimeout()).isEqualTo(Duration.ofSeconds(4));
                    assertThat(config.quic().maxStreams()).isEqualTo(64);
                    assertThat(config.tcp().enabled()).isFalse();
                    assertThat(config.tcp().handshakeTimeout()).isEqualTo(Duration.ofSeconds(7));
                    assertThat(config.tcp().maxStreams()).isEqualTo(32);
                    io.github.p2pboot.kademlia.KademliaConfig kademlia = context.getBean(io.github.p2pboot.kademlia.Kademlia.class).config();
                    assertThat(kademlia.protocolId()).isEqualTo("/mynet/kad/1.0.0");
                    assertThat(kademlia.mode()).isEqualTo(io.github.p2pboot.kademlia.KademliaMode.CLIENT);
                    assertThat(kademlia.queryTimeout()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(kademlia.replicationFactor()).isEqualTo(4);
                    assertThat(kademlia.parallelism()).isEqualTo(5);
                    assertThat(kademlia.bootstrapInterval()).isEqualTo(Duration.ofMinutes(1));
                    assertThat(kademlia.recordTtl()).isEqualTo(Duration.ofHours(2));
                    assertThat(kademlia.maxStoreBytes()).isEqualTo(8L * 1024 * 1024);
                    assertThat(kademlia.maxEntriesPerPeer()).isEqualTo(50);
                    assertThat(kademlia.maxBytesPerPeer()).isEqualTo(256 * 1024);
                    assertThat(context.getBean(Swarm.class).protocols()).doesNotContain("/mynet/kad/1.0.0");
                    PeerConnectivity connectivity = context.getBean(PeerConnectivity.class);
                    assertThat(connectivity.minPeers()).isEqualTo(3);
                    assertThat(connectivity.bootstrapPeers()).hasSize(1);
                    assertThat(context.getBean(Libp2pHealthIndicator.class).health().getStatus().getCode()).isEqualTo("OUT_OF_SERVICE");
                });
    }

    @Test
    void healthIndicatorNeedsTheHealthLibrary() {
        runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
                .run(context -> assertThat(context).hasSingleBean(Swarm.class).doesNotHaveBean(Libp2pHealthIndicator.class));
    }

    @Test
    void kademliaProtocolWithoutSlashNamesTheProperty() {
        assertFailure(runner.withPropertyValues("libp2p.kademlia.protocol=kad"), "libp2p.kademlia.protocol", "/ipfs/kad/1.0.0");
    }

    @Test
    void malformedListenAddressNamesTheProperty() {
        assertFailure(runner.withPropertyValues("libp2p.listen=/ip4/1.2.3/udp/1/quic-v1"), "libp2p.listen[0]", "/ip4/1.2.3/udp/1/quic-v1");
    }

    @Test
    void bootstrapAddressWithoutPeerIdNamesTheProperty() {
        assertFailure(runner.withPropertyValues("libp2p.bootstrap.peers=/ip4/127.0.0.1/udp/4001/quic-v1"),
                "libp2p.bootstrap.peers[0]", "/p2p/<peer id>");
    }

    @Test
    void negativeDurationNamesTheProperty() {
        assertFailure(runner.withPropertyValues("libp2p.quic.max-idle-timeout=-1s"), "libp2p.quic.max-idle-timeout", "positive duration");
    }

    @Test
    void keepAliveNotShorterThanIdleTimeoutNamesTheProperty() {
        assertFailure(runner.withPropertyValues("libp2p.quic.keep-alive-interval=20s"), "libp2p.quic.keep-alive-interval", "max-idle-timeout");
    }

    @Test
    void pingTimeoutFloorAboveTheIntervalNamesTheProperty() {
        assertFailure(runner.withPropertyValues("libp2p.tcp.keep-alive-interval=500ms", "libp2p.tcp.min-ping-timeout=1s"),
                "libp2p.tcp.min-ping-timeout", "libp2p.tcp.keep-alive-interval");
    }

    @Test
    void pingFailuresOutOfRangeNamesTheProperty() {
        assertFailure(runner.withPropertyValues("libp2p.quic.ping-failures=0"), "libp2p.quic.ping-failures", "from 1 to 10");
        assertFailure(runner.withPropertyValues("libp2p.tcp.ping-failures=11"), "libp2p.tcp.ping-failures", "from 1 to 10");
    }

    @Test
    void listensOnQuicAndTcpByDefault() {
        assertThat(new Libp2pProperties().getListen())
                .containsExactly("/ip4/0.0.0.0/udp/4001/quic-v1", "/ip4/0.0.0.0/tcp/4001");
        runner.withPropertyValues("libp2p.listen=/ip4/127.0.0.1/udp/0/quic-v1,/ip4/127.0.0.1/tcp/0").run(context -> {
            assertThat(context).hasNotFailed();
            Swarm swarm = context.getBean(Swarm.class);
            assertThat(swarm.config().tcp().enabled()).isTrue();
            assertThat(swarm.listenAddresses()).extracting(Object::toString)
                    .anyMatch(a -> a.startsWith("/ip4/127.0.0.1/udp/") && a.endsWith("/quic-v1"))
                    .anyMatch(a -> a.startsWith("/ip4/127.0.0.1/tcp/"));
        });
    }

    @Test
    void tcpListenAddressWithTcpDisabledNamesTheProperty() {
        assertFailure(runner.withPropertyValues("libp2p.tcp.enabled=false", "libp2p.listen=/ip4/127.0.0.1/tcp/0"),
                "libp2p.listen[0]", "libp2p.tcp.enabled=true");
    }

    @Test
    void listenAddressOfNoTransportNamesTheProperty() {
        assertFailure(runner.withPropertyValues("libp2p.listen=/ip4/127.0.0.1/udp/0"), "libp2p.listen[0]", "/tcp/<port>");
    }

    @Test
    void zeroTcpHandshakeTimeoutNamesTheProperty() {
        assertFailure(runner.withPropertyValues("libp2p.tcp.handshake-timeout=0s"), "libp2p.tcp.handshake-timeout", "positive duration");
    }

    @Test
    void busyPortNamesTheProperty() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            assertFailure(runner.withPropertyValues("libp2p.listen=/ip4/127.0.0.1/udp/" + taken.getLocalPort() + "/quic-v1"),
                    "libp2p.listen[0]", "port");
        }
    }

    @Test
    void busyTcpPortNamesTheProperty() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertFailure(runner.withPropertyValues("libp2p.listen=/ip4/127.0.0.1/udp/0/quic-v1,/ip4/127.0.0.1/tcp/" + taken.getLocalPort()),
                    "libp2p.listen[1]", "port");
        }
    }

    @Test
    void keyFileInUseNamesTheProperty(@TempDir Path dir) {
        Path file = dir.resolve("shared.key");
        try (KeyFile held = KeyFile.open(file)) {
            assertFailure(runner.withPropertyValues("libp2p.identity.ephemeral=false", "libp2p.identity.key-file=" + file),
                    "libp2p.identity.key-file", "own key file");
        }
    }

    private static void assertFailure(ApplicationContextRunner runner, String property, String fix) {
        runner.run(context -> {
            assertThat(context).hasFailed();
            Throwable failure = context.getStartupFailure();
            FailureAnalysis analysis = new Libp2pFailureAnalyzer(null).analyze(failure);
            assertThat(analysis).as("failure analysis of %s", failure).isNotNull();
            assertThat(analysis.getDescription()).contains(property);
            assertThat(analysis.getDescription() + analysis.getAction()).contains(fix);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class UserSwarm {
        final Swarm swarm = new Swarm(SwarmConfig.builder(io.github.p2pboot.identity.PrivateKey.generateEd25519())
                .listen("/ip4/127.0.0.1/udp/0/quic-v1").ioThreads(1).build());

        @Bean
        Swarm mySwarm() {
            return swarm;
        }
    }
}
