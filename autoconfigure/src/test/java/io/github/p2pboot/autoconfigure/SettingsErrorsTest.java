package io.github.p2pboot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.swarm.Swarm;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * Settings errors as a Spring Boot user meets them: a real application start, the failure report
 * Spring Boot prints, and the log.
 */
@ExtendWith(OutputCaptureExtension.class)
class SettingsErrorsTest {

    private static final String[] NODE = {"--libp2p.identity.ephemeral=true"};
    private static final String LOOPBACK = "--libp2p.listen=/ip4/127.0.0.1/udp/0/quic-v1";

    @Test
    void unknownPropertyFailsStartUpNamingTheClosestKnownOne(CapturedOutput output) {
        assertThatThrownBy(() -> start(LOOPBACK, "--libp2p.quic.max-idel-timeout=3s")).isNotNull();
        assertThat(output).contains("libp2p.quic.max-idel-timeout=3s")
                .contains("Did you mean 'libp2p.quic.max-idle-timeout'")
                .contains("keep-alive-interval");
    }

    @Test
    void unknownGroupIsAnUnknownPropertyToo(CapturedOutput output) {
        assertThatThrownBy(() -> start(LOOPBACK, "--libp2p.bootstrp.peers=/ip4/127.0.0.1/tcp/1")).isNotNull();
        assertThat(output).contains("Did you mean 'libp2p.bootstrap.peers'");
    }

    @Test
    void closestKnownPropertyOfTypicalTypos() {
        assertThat(KnownProperties.closest("libp2p.quic.keepalive-interval")).isEqualTo("libp2p.quic.keep-alive-interval");
        assertThat(KnownProperties.closest("libp2p.health.minpeers")).isEqualTo("libp2p.health.min-peers");
        assertThat(KnownProperties.closest("libp2p.listen-addresses[0]")).isEqualTo("libp2p.listen");
        assertThat(KnownProperties.all()).contains("libp2p.enabled", "libp2p.identity.ephemeral", "libp2p.limits.allowlist",
                "libp2p.kademlia.mode", "libp2p.peer-store.max-size");
    }

    @Test
    void eachKeyFileHasAPeerStoreOfItsOwn() {
        assertThat(Libp2pSettings.defaultPeerStoreFile(java.nio.file.Path.of("/n/.libp2p/identity.key")))
                .isEqualTo(java.nio.file.Path.of("/n/.libp2p/peers.store"));
        assertThat(Libp2pSettings.defaultPeerStoreFile(java.nio.file.Path.of("/n/.libp2p/node2.key")))
                .isEqualTo(java.nio.file.Path.of("/n/.libp2p/node2.peers.store"));
    }

    @Test
    void valuesAreEchoedAsWritten(CapturedOutput output) {
        assertThatThrownBy(() -> start(LOOPBACK, "--libp2p.quic.keep-alive-interval=-1s")).isNotNull();
        assertThat(output).contains("property 'libp2p.quic.keep-alive-interval' has the value '-1s'").doesNotContain("PT-1S");
    }

    @Test
    void derivedValuesAreWrittenAsAUserWouldToo() {
        assertThat(Libp2pConfigurationException.written(Duration.ofSeconds(-1))).isEqualTo("-1s");
        assertThat(Libp2pConfigurationException.written(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Libp2pConfigurationException.written(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(Libp2pConfigurationException.written(org.springframework.util.unit.DataSize.ofMegabytes(8))).isEqualTo("8MB");
    }

    @Test
    void busyPortNamesTheEntry(CapturedOutput output) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            String busy = "/ip4/127.0.0.1/tcp/" + taken.getLocalPort();
            assertThatThrownBy(() -> start("--libp2p.listen[0]=/ip4/127.0.0.1/udp/0/quic-v1", "--libp2p.listen[1]=" + busy)).isNotNull();
            assertThat(output).contains("property 'libp2p.listen[1]' has the value '" + busy + "'")
                    .contains("Another process uses that port");
        }
    }

    @Test
    void unreachableBootstrapPeerIsAWarningWithTheReasonOncePerBackOffStep(CapturedOutput output) throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = probe.getLocalPort();
        }
        String peer = PrivateKey.generateEd25519().peerId().toString();
        try (ConfigurableApplicationContext context = start(LOOPBACK, "--libp2p.bootstrap.peers=/ip4/127.0.0.1/tcp/" + closedPort + "/p2p/" + peer,
                "--libp2p.reconnect.initial-backoff=20ms", "--libp2p.reconnect.max-backoff=100ms", "--libp2p.reconnect.jitter=0")) {
            PeerConnectivity connectivity = context.getBean(PeerConnectivity.class);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> connectivity.failedAttempts() >= 9);
        }
        List<String> warnings = output.getOut().lines().filter(line -> line.contains(" WARN ") && line.contains("Could not reach bootstrap peer"))
                .toList();
        Pattern attempts = Pattern.compile("\\((\\d+) failed attempts?\\)");
        List<Integer> logged = warnings.stream().map(attempts::matcher).filter(Matcher::find).map(m -> Integer.parseInt(m.group(1))).toList();
        // Attempts 1, 2, 4 and 8 are warnings; 3, 5, 6, 7 and 9 only DEBUG lines.
        assertThat(logged).startsWith(1, 2, 4, 8).allMatch(n -> Integer.bitCount(n) == 1);
        assertThat(warnings).allMatch(line -> line.contains(peer) && line.contains("Connection refused"));
    }

    @Test
    void firstNodeOfANetworkIsHealthyAloneAndStartsWithoutAWarning(CapturedOutput output) {
        try (ConfigurableApplicationContext context = start(LOOPBACK)) {
            PeerConnectivity connectivity = context.getBean(PeerConnectivity.class);
            assertThat(connectivity.minPeers()).isZero();
            assertThat(connectivity.isSufficient()).isTrue();
            assertThat(context.getBean(Swarm.class).connectedPeers()).isEmpty();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> output.getOut().contains("first node of its network"));
        }
        assertThat(output.getOut().lines().filter(line -> line.contains(" WARN "))).isEmpty();
    }

    @Test
    void nodeWithBootstrapPeersNeedsOnePeerByDefault() {
        String peer = PrivateKey.generateEd25519().peerId().toString();
        try (ConfigurableApplicationContext context = start(LOOPBACK, "--libp2p.bootstrap.dial-on-start=false",
                "--libp2p.bootstrap.peers=/ip4/127.0.0.1/tcp/9/p2p/" + peer)) {
            assertThat(context.getBean(PeerConnectivity.class).minPeers()).isEqualTo(1);
        }
    }

    private static ConfigurableApplicationContext start(String... args) {
        String[] all = new String[NODE.length + args.length];
        System.arraycopy(NODE, 0, all, 0, NODE.length);
        System.arraycopy(args, 0, all, NODE.length, args.length);
        return new SpringApplicationBuilder(NodeApplication.class).web(WebApplicationType.NONE).run(all);
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(Libp2pAutoConfiguration.class)
    static class NodeApplication {
    }
}
