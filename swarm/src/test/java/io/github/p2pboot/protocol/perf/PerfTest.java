package io.github.p2pboot.protocol.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.multistream.ProtocolNegotiationException;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** {@code /perf/1.0.0} between two of our nodes over real QUIC and TCP connections on loopback. */
class PerfTest {

    private static final long SIZE = 4L * 1024 * 1024;

    private final TestSwarms swarms = new TestSwarms();

    @AfterEach
    void close() {
        swarms.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic", "tcp"})
    void uploadsAndDownloadsTheBytesAskedFor(String transport) throws Exception {
        Connection connection = connect(transport, swarms.start(b -> b.listen(listen(transport)).perf(true)));

        Perf.Result upload = Perf.run(connection, SIZE, 0).get(30, TimeUnit.SECONDS);
        Perf.Result download = Perf.run(connection, 0, SIZE).get(30, TimeUnit.SECONDS);
        Perf.Result both = Perf.run(connection, 12_345, 54_321).get(30, TimeUnit.SECONDS);
        Perf.Result none = Perf.run(connection, 0, 0).get(30, TimeUnit.SECONDS);

        assertThat(upload.uploaded()).isEqualTo(SIZE);
        assertThat(upload.downloaded()).isZero();
        assertThat(download.uploaded()).isZero();
        assertThat(download.downloaded()).isEqualTo(SIZE);
        assertThat(both.uploaded()).isEqualTo(12_345);
        assertThat(both.downloaded()).isEqualTo(54_321);
        assertThat(none.downloaded()).isZero();
        assertThat(connection.isOpen()).isTrue();
    }

    @Test
    void isNotServedUnlessEnabled() throws Exception {
        Connection connection = connect("quic", swarms.start());

        assertThatThrownBy(() -> Perf.run(connection, 0, 1024).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ProtocolNegotiationException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic", "tcp"})
    void resetsAStreamThatGoesBeyondTheLimitAndOnlyThatStream(String transport) throws Exception {
        Swarm server = swarms.start(b -> b.listen(listen(transport)));
        server.registerProtocol(Perf.handler(1024 * 1024));
        Connection connection = connect(transport, server);

        assertThatThrownBy(() -> Perf.run(connection, 0, 2 * 1024 * 1024).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasMessageContaining("perf");
        assertThatThrownBy(() -> Perf.run(connection, 4 * 1024 * 1024, 0).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasMessageContaining("perf");
        assertThatThrownBy(() -> Perf.run(connection, 0, -1L >>> 1).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);

        assertThat(connection.isOpen()).isTrue();
        assertThat(Perf.run(connection, 1024 * 1024, 1024 * 1024).get(30, TimeUnit.SECONDS).downloaded()).isEqualTo(1024 * 1024);
    }

    private Connection connect(String transport, Swarm server) throws Exception {
        Swarm client = swarms.start(b -> b.listen(listen(transport)));
        Multiaddr address = transport.equals("tcp") ? TestSwarms.tcpAddress(server) : TestSwarms.address(server);
        return client.dial(address).get(10, TimeUnit.SECONDS);
    }

    private static String listen(String transport) {
        return transport.equals("tcp") ? TestSwarms.LOOPBACK_TCP : TestSwarms.LOOPBACK_QUIC;
    }
}
