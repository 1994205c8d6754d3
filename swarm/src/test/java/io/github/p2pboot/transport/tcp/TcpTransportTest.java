package io.github.p2pboot.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Limits of the TCP transport that only raw sockets can reach. */
class TcpTransportTest {

    private final TestSwarms swarms = new TestSwarms();

    @AfterEach
    void closeSwarms() {
        swarms.close();
    }

    @Test
    void connectionsThatNeverFinishTheirUpgradeAreBounded() throws Exception {
        Swarm a = swarms.start(b -> b.listen(TestSwarms.LOOPBACK_TCP));
        Swarm b = swarms.start(c -> c.listen(TestSwarms.LOOPBACK_TCP));
        InetSocketAddress target = new InetSocketAddress("127.0.0.1",
                Integer.parseInt(TestSwarms.tcpAddress(b).withoutPeerId().components().get(1).value()));
        List<Socket> silent = new ArrayList<>();
        try {
            for (int i = 0; i < b.resources().limits().maxPendingUpgrades(); i++) {
                Socket socket = new Socket();
                silent.add(socket);
                socket.connect(target, 5_000);
                socket.setSoTimeout(5_000);
                // The first byte of b's multistream header: this socket's upgrade has begun.
                assertThat(socket.getInputStream().read()).isNotNegative();
            }
            try (Socket oneTooMany = new Socket()) {
                oneTooMany.connect(target, 5_000);
                oneTooMany.setSoTimeout(5_000);
                assertThat(oneTooMany.getInputStream().read()).as("b closes the socket beyond the limit").isEqualTo(-1);
            }
        } finally {
            for (Socket socket : silent) {
                socket.close();
            }
        }
        // Closed sockets free their places: a real peer gets through again.
        assertThat(Ping.ping(a.dial(TestSwarms.tcpAddress(b)).get(10, TimeUnit.SECONDS)).get(10, TimeUnit.SECONDS)).isPositive();
    }
}
