package io.github.p2pboot.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.multiaddr.Multiaddr;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * No false alarm on a lossy path: 5 % of the datagrams dropped in each direction and each delayed
 * by 50 ms (a 100 ms round trip), through a {@link UdpRelay} on loopback, for a minute of pings at
 * the defaults (one a second) and echo streams.
 */
class LossyPathTest {

    @Test
    void connectionOverFivePercentLossAndFiftyMillisecondsDelayIsNeverClosed() throws Exception {
        try (TestSwarms swarms = new TestSwarms()) {
            Swarm a = swarms.start();
            Swarm b = swarms.start();
            Multiaddr bAddress = TestSwarms.address(b);
            String[] parts = bAddress.withoutPeerId().toString().split("/");
            try (UdpRelay relay = new UdpRelay(new InetSocketAddress(parts[2], Integer.parseInt(parts[4])), 0.05, 50, 7)) {
                Multiaddr viaRelay = Multiaddr.parse("/ip4/127.0.0.1/udp/" + relay.address().getPort() + "/quic-v1")
                        .withPeerId(b.localPeerId());

                // A second pinger at the same defaults whose suspicions the test can count.
                LivenessTest.RecordingEvents events = new LivenessTest.RecordingEvents();
                a.addListener(new Liveness(LivenessSettings.QUIC_DEFAULTS, LivenessSettings.TCP_DEFAULTS, events));

                LossyPathScenario.Result result = LossyPathScenario.run(a, b, viaRelay, Duration.ofSeconds(60));

                org.slf4j.LoggerFactory.getLogger(LossyPathTest.class).info("{} suspicions, {} recoveries; relay forwarded {}, dropped {}",
                        events.suspects.size(), events.recovered.size(), relay.forwarded(), relay.dropped());

                assertThat(result.falseAlarms()).isEmpty();
                // Not liveness: echo streams over QUIC under loss still fail now and then. The FIN
                // that close() used to drop is fixed (StreamEnds.closeWhenFlushed: 3 of 39 failed before,
                // 0 of 76 and 1 of 75 since, the last an echo that came back short); the rest is
                // open. Up to 5 % may fail; more is a regression.
                assertThat(result.failedRoundTrips()).isLessThanOrEqualTo((result.roundTrips() + result.failedRoundTrips()) / 20);
                assertThat(result.roundTrips()).isGreaterThan(50);
                // The timeout followed the measured round trip (about 100 ms) up from the floor.
                assertThat(result.pingTimeout()).isGreaterThan(Duration.ofMillis(200));
                assertThat(relay.dropped()).as("the relay did drop datagrams").isGreaterThan(10);
                // Every suspicion but perhaps one still open at the end was cleared by an answer.
                assertThat(events.recovered.size()).isGreaterThanOrEqualTo(events.suspects.size() - 1);
            }
        }
    }
}
