package io.github.p2pboot.resource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** The resource manager's connection limits, against real nodes and raw sockets on loopback. */
@Timeout(60)
class ResourceLimitsNetworkTest {

    private final TestSwarms swarms = new TestSwarms();
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @AfterEach
    void close() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logged);
        swarms.close();
    }

    private Swarm victim(ResourceLimits.Builder limits) {
        return swarms.start(b -> b.listen("/ip4/127.0.0.1/udp/0/quic-v1").listen("/ip4/127.0.0.1/tcp/0")
                .listen("/ip6/::1/udp/0/quic-v1").listen("/ip6/::1/tcp/0").limits(limits.limitLoopback(true).build()));
    }

    private static Multiaddr address(Swarm swarm, String family, String transport) {
        return swarm.listenAddresses().stream()
                .filter(a -> a.toString().startsWith("/" + family + "/") && a.toString().contains(transport))
                .findFirst().orElseThrow().withPeerId(swarm.localPeerId());
    }

    private static InetSocketAddress tcpSocket(Swarm swarm) {
        Multiaddr tcp = address(swarm, "ip4", "/tcp/");
        return new InetSocketAddress("127.0.0.1", Integer.parseInt(tcp.components().get(1).value()));
    }

    @Test
    void manyIdentitiesFromOneAddressGetNoMoreThanItsShareWhileOthersAreServed() throws Exception {
        Swarm victim = victim(ResourceLimits.builder().maxConnectionsPerIp(3).connectionBurstPerIp(100).connectionsPerSecondPerIp(100));
        List<CompletableFuture<Connection>> dials = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Swarm attacker = swarms.start(b -> b.listen("/ip4/127.0.0.1/udp/0/quic-v1"));
            dials.add(attacker.dial(address(victim, "ip4", "quic-v1")));
        }
        for (CompletableFuture<Connection> dial : dials) {
            dial.handle((c, e) -> null).get(20, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> victim.resources().incidents().total(ResourceManager.PER_IP) >= 5);
        assertThat(victim.connections()).hasSizeLessThanOrEqualTo(3);

        for (String transport : List.of("quic-v1", "/tcp/")) {
            Swarm legit = swarms.start(b -> b.listen("/ip6/::1/udp/0/quic-v1"));
            Connection connection = legit.dial(address(victim, "ip6", transport)).get(10, TimeUnit.SECONDS);
            assertThat(Ping.ping(connection).get(10, TimeUnit.SECONDS)).isPositive();
        }
        assertThat(victim.resources().usage().inboundConnections()).isLessThanOrEqualTo(5);
    }

    @Test
    void aSocketThatStaysSilentIsClosedAfterTheFirstBytesTimeout() throws Exception {
        Swarm victim = victim(ResourceLimits.builder().firstBytesTimeout(Duration.ofMillis(300)));
        try (Socket socket = new Socket()) {
            long start = System.nanoTime();
            socket.connect(tcpSocket(victim), 5_000);
            socket.setSoTimeout(5_000);
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // The victim's multistream header, then the close.
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(250), Duration.ofSeconds(5));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> victim.resources().incidents().total("TCP connection silent") == 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> victim.resources().usage().pendingUpgrades() == 0);
        // The silent socket is one incident, not two: its upgrade, failed by the close, is not another.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
                .until(() -> victim.resources().incidents().total("TCP upgrade failed") == 0);
    }

    @Test
    void resetsBeforeNoiseCostNoStackTraceAndOneWarning() throws Exception {
        logged.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logged);
        Swarm victim = victim(ResourceLimits.builder().connectionBurstPerIp(1000).connectionsPerSecondPerIp(1000));
        int resets = 50;
        for (int i = 0; i < resets; i++) {
            // The victim handles each reset on its own loop: wait for the last one to end its
            // upgrade, or the per-IP limit of pending upgrades (loopback is limited here) refuses the next.
            await().atMost(Duration.ofSeconds(5)).until(() -> victim.resources().usage().pendingUpgrades() == 0);
            Socket socket = new Socket();
            socket.connect(tcpSocket(victim), 5_000);
            socket.setSoTimeout(5_000);
            // The victim's first byte: its upgrade has begun.
            assertThat(socket.getInputStream().read()).isNotNegative();
            socket.getOutputStream().write("/multistream/1.0.0\n".getBytes());
            socket.setSoLinger(true, 0);
            socket.close();
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> victim.resources().incidents().total("TCP upgrade failed") == resets);
        List<ILoggingEvent> warnings = logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
        assertThat(warnings).as("one summary line at most, no stack traces").hasSizeLessThanOrEqualTo(1)
                .allMatch(e -> e.getThrowableProxy() == null);
        assertThat(victim.resources().usage().pendingUpgrades()).isZero();
    }
}
