package io.github.p2pboot.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.interop.peers.JsPeer;
import io.github.p2pboot.multiaddr.Multiaddr;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Liveness against a real js-libp2p peer: its ping handler aborts every inbound ping stream 10 s
 * after it opened, and the kept stream must carry on through that; then the peer is killed -9 and
 * the connection must close within the interval and three timeouts.
 */
class LivenessJsIT {

    private static final Logger log = LoggerFactory.getLogger(LivenessJsIT.class);

    @ParameterizedTest
    @ValueSource(strings = {"quic", "tcp"})
    void keptStreamOutlivesJsEndingItAndAKilledJsPeerIsClosed(String transport) throws Exception {
        boolean quic = transport.equals("quic");
        LivenessSettings defaults = quic ? LivenessSettings.QUIC_DEFAULTS : LivenessSettings.TCP_DEFAULTS;
        LivenessSettings rare = new LivenessSettings(Duration.ofSeconds(60), Duration.ofMillis(60), 3);
        JsPeer js = JsPeer.start(JsPeer.options().tcp(!quic));
        try (TestSwarms swarms = new TestSwarms()) {
            Swarm swarm = swarms.start(b -> b.listen(quic ? TestSwarms.LOOPBACK_QUIC : TestSwarms.LOOPBACK_TCP)
                    .quic(new QuicSettings(Duration.ofSeconds(120), rare, Duration.ofSeconds(10), 256))
                    .tcp(TcpSettings.DEFAULTS.withLiveness(rare)));
            LivenessTest.RecordingEvents events = new LivenessTest.RecordingEvents();
            Liveness liveness = new Liveness(defaults, defaults, events);
            swarm.addListener(liveness);
            SwarmConnection connection = (SwarmConnection) swarm.dial(Multiaddr.parse(quic ? js.quicAddress() : js.tcpAddress()))
                    .get(20, TimeUnit.SECONDS);

            // js-libp2p ends the first ping stream after 10 s; the next ping opens another.
            await().atMost(Duration.ofSeconds(25)).until(() -> liveness.pingStreamsOpened(connection) >= 2);
            assertThat(connection.isOpen()).isTrue();
            assertThat(events.suspects).as("no suspicion when js ends the ping stream").isEmpty();
            Duration timeout = liveness.pingTimeout(connection);
            assertThat(timeout).isLessThan(defaults.interval());

            js.kill();
            long killedAt = System.nanoTime();

            CloseCause cause = connection.closeFuture().get(10, TimeUnit.SECONDS);
            long closedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            log.info("{}: js peer killed; connection closed after {} ms ({}; ping timeout {} ms)", transport, closedAfter, cause,
                    timeout.toMillis());
            assertThat(closedAfter).isLessThan(defaults.interval().toMillis() + 3 * timeout.toMillis() + 700);
        } finally {
            js.close();
        }
    }
}
