package io.github.p2pboot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.swarm.Swarm;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Three full Spring Boot applications on loopback: A is the bootstrap node of B and C, which find
 * each other through A's DHT. A stops and comes back on the same port with the same identity; B and
 * C must notice, report it, and rejoin through the back-off on their own.
 */
class ThreeNodeReconnectTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<ConfigurableApplicationContext> contexts = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        contexts.forEach(ConfigurableApplicationContext::close);
    }

    @Test
    void healthFollowsTheBootstrapPeerAwayAndBack() throws Exception {
        int port = freeUdpPort();
        String[] bootstrapNode = {"libp2p.identity.key-file=" + dir.resolve("a.key"),
                "libp2p.listen=/ip4/127.0.0.1/udp/" + port + "/quic-v1"};
        rejoin(bootstrapNode, peerId -> "/ip4/127.0.0.1/udp/" + port + "/quic-v1/p2p/" + peerId, "libp2p.listen=/ip4/127.0.0.1/udp/0/quic-v1");
    }

    /**
     * The bootstrap node listens on TCP only, and B and C know it by a QUIC address first: they must
     * fall back to TCP, and rejoin over TCP after it restarts.
     */
    @Test
    void healthFollowsATcpOnlyBootstrapPeerThroughTheQuicFallback() throws Exception {
        int port = freeTcpPort();
        String[] bootstrapNode = {"libp2p.identity.key-file=" + dir.resolve("a-tcp.key"),
                "libp2p.listen=/ip4/127.0.0.1/tcp/" + port};
        ConfigurableApplicationContext b = rejoin(bootstrapNode, peerId -> "/ip4/127.0.0.1/udp/" + port + "/quic-v1/p2p/" + peerId
                + ",/ip4/127.0.0.1/tcp/" + port + "/p2p/" + peerId,
                "libp2p.listen=/ip4/127.0.0.1/tcp/0", "libp2p.quic.handshake-timeout=1s");

        MeterRegistry meters = b.getBean(MeterRegistry.class);
        assertThat(meters.get("libp2p.connections").tag("transport", "quic-v1").tag("outcome", "failed").counter().count())
                .isGreaterThanOrEqualTo(1);
        // To A before and after its restart (C may add more, inbound or outbound).
        assertThat(meters.get("libp2p.connections").tag("transport", "tcp").tag("outcome", "established").counters()
                .stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum()).isGreaterThanOrEqualTo(2);
    }

    /** Runs the scenario; returns B. */
    private ConfigurableApplicationContext rejoin(String[] bootstrapNode, java.util.function.Function<String, String> bootstrapPeers, String... memberSettings) {
        ConfigurableApplicationContext a = start(bootstrapNode);
        String bootstrapAddress = bootstrapPeers.apply(a.getBean(Swarm.class).localPeerId().toString());
        // B and C find each other through A's DHT: healthy means connected to both A and the other.
        List<String> memberProperties = new java.util.ArrayList<>(List.of("libp2p.identity.ephemeral=true",
                "libp2p.bootstrap.peers=" + bootstrapAddress, "libp2p.health.min-peers=2"));
        memberProperties.addAll(List.of(memberSettings));
        String[] member = memberProperties.toArray(String[]::new);
        ConfigurableApplicationContext b = start(member);
        ConfigurableApplicationContext c = start(member);
        List<Libp2pEvents.SufficiencyChanged> changesAtB = new CopyOnWriteArrayList<>();
        b.addApplicationListener((ApplicationListener<Libp2pEvents.SufficiencyChanged>) changesAtB::add);

        await().atMost(WAIT).until(() -> Status.UP.equals(status(b)) && Status.UP.equals(status(c)));
        assertThat(a.getBean(Swarm.class).connectedPeers()).hasSize(2);
        // Through A's routing table, the Kademlia bootstrap made B and C learn of each other.
        await().atMost(WAIT).until(() -> b.getBean(io.github.p2pboot.kademlia.Kademlia.class).routingTablePeers()
                .contains(c.getBean(Swarm.class).localPeerId()));

        a.close();
        Instant stopped = Instant.now();
        await().atMost(WAIT).until(() -> Status.DOWN.equals(status(b)) && Status.DOWN.equals(status(c)));
        Duration toDown = Duration.between(stopped, Instant.now());
        assertThat(b.getBean(PeerConnectivity.class).isReconnecting()).isTrue();

        ConfigurableApplicationContext restarted = start(bootstrapNode);
        Instant back = Instant.now();
        await().atMost(WAIT).until(() -> Status.UP.equals(status(b)) && Status.UP.equals(status(c)));
        Duration toUp = Duration.between(back, Instant.now());
        System.out.printf("three-node rejoin (%s): DOWN %d ms after the bootstrap node stopped, UP %d ms after it came back%n",
                bootstrapAddress, toDown.toMillis(), toUp.toMillis());

        assertThat(restarted.getBean(Swarm.class).localPeerId()).isEqualTo(b.getBean(PeerConnectivity.class)
                .bootstrapPeers().get(0).peerId().orElseThrow());
        assertThat(changesAtB).extracting(Libp2pEvents.SufficiencyChanged::isSufficient).containsSubsequence(false, true);
        MeterRegistry meters = b.getBean(MeterRegistry.class);
        assertThat(meters.get("libp2p.reconnect.attempts").tag("outcome", "success").functionCounter().count()).isGreaterThanOrEqualTo(1);
        assertThat(meters.get("libp2p.peers.connected").gauge().value()).isEqualTo(2.0);
        assertThat(meters.get("libp2p.connections").tag("outcome", "closed_remote").counter().count()).isGreaterThanOrEqualTo(1);
        assertThat(meters.get("libp2p.kademlia.queries").tag("type", "find_node").tag("outcome", "success").timer().count())
                .isGreaterThanOrEqualTo(1);
        return b;
    }

    private ConfigurableApplicationContext start(String... properties) {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(Node.class).web(WebApplicationType.NONE)
                // Defaults first: the node's own properties replace them.
                .properties("libp2p.listen=/ip4/127.0.0.1/udp/0/quic-v1",
                        "libp2p.quic.max-idle-timeout=3s", "libp2p.quic.keep-alive-interval=500ms",
                        "libp2p.reconnect.initial-backoff=200ms", "libp2p.reconnect.max-backoff=1s",
                        "spring.main.banner-mode=off")
                .properties(properties)
                .run();
        contexts.add(context);
        return context;
    }

    private static Status status(ConfigurableApplicationContext context) {
        return context.getBean(Libp2pHealthIndicator.class).health().getStatus();
    }

    private static int freeTcpPort() throws Exception {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Node {
    }
}
