package io.github.p2pboot.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.interop.peers.JsPeer;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.perf.Perf;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code /perf/1.0.0} between our node and a real js-libp2p node (whose perf side peer.mjs
 * implements by hand), both ways, over QUIC and TCP on loopback.
 */
class PerfJsIT {

    private static final long SIZE = 4L * 1024 * 1024;

    private static JsPeer js;
    private static final TestSwarms swarms = new TestSwarms();
    private static Swarm swarm;

    @BeforeAll
    static void start() {
        js = JsPeer.start(JsPeer.options().extraArg("--perf"));
        swarm = swarms.start(b -> b.listen(TestSwarms.LOOPBACK_QUIC).listen(TestSwarms.LOOPBACK_TCP).perf(true));
    }

    @AfterAll
    static void stop() {
        swarms.close();
        if (js != null) {
            js.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic", "tcp"})
    void ourClientUploadsToAndDownloadsFromTheJsServer(String transport) throws Exception {
        String address = transport.equals("tcp") ? js.tcpAddress() : js.quicAddress();
        Connection connection = swarm.dial(Multiaddr.parse(address)).get(20, TimeUnit.SECONDS);
        assertThat(connection.transport()).isEqualTo(transport.equals("tcp") ? "tcp" : "quic-v1");

        Perf.Result upload = Perf.run(connection, SIZE, 0).get(60, TimeUnit.SECONDS);
        Perf.Result download = Perf.run(connection, 0, SIZE).get(60, TimeUnit.SECONDS);

        assertThat(upload.uploaded()).isEqualTo(SIZE);
        assertThat(download.downloaded()).isEqualTo(SIZE);
        connection.close().get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic", "tcp"})
    void theJsClientUploadsToAndDownloadsFromOurServer(String transport) {
        Multiaddr ours = transport.equals("tcp") ? TestSwarms.tcpAddress(swarm) : TestSwarms.address(swarm);

        JsPeer.PerfRun upload = js.perf(ours.toString(), SIZE, 0, Duration.ofSeconds(60));
        JsPeer.PerfRun download = js.perf(ours.toString(), 0, SIZE, Duration.ofSeconds(60));
        JsPeer.PerfRun both = js.perf(ours.toString(), 100_000, 200_000, Duration.ofSeconds(60));

        assertThat(upload.uploaded()).isEqualTo(SIZE);
        assertThat(download.downloaded()).isEqualTo(SIZE);
        assertThat(both.downloaded()).isEqualTo(200_000);
        assertThat(upload.millis()).isPositive();
        js.hangUp(swarm.localPeerId().toString());
    }
}
