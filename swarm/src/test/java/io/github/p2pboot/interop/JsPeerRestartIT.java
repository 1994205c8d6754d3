package io.github.p2pboot.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.interop.peers.JsPeer;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.swarm.CloseCause;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, goal 1, against a real js-libp2p peer: it is killed -9 and restarts at once on the same
 * port with the same identity, not remembering us. Our node finds the old connection dead, dials
 * the peer alongside it, and streams work again over the new connection, with nobody else's help
 * (no peer keeper here: the swarm's own replacement does it).
 */
class JsPeerRestartIT {

    private static final String SEED = "00000000000000000000000000000000000000000000000000000000000000c1";

    private final TestSwarms swarms = new TestSwarms();
    private JsPeer js;

    @AfterEach
    void stop() {
        swarms.close();
        if (js != null) {
            js.close();
        }
    }

    @Test
    void aRestartedJsPeerIsReachedAgainOverANewConnection() throws Exception {
        int port = freeUdpPort();
        js = JsPeer.start(JsPeer.options().seedHex(SEED).quicPort(port).tcp(false));
        Swarm swarm = swarms.start();
        PeerId jsPeer = PeerId.parse(js.peerId());
        Connection old = swarm.dial(Multiaddr.parse(js.quicAddress())).get(10, TimeUnit.SECONDS);
        assertThat(Ping.ping(old).get(10, TimeUnit.SECONDS)).isPositive();
        CompletableFuture<CloseCause> oldClosed = old.closeFuture();

        js.kill();
        js = JsPeer.start(JsPeer.options().seedHex(SEED).quicPort(port).tcp(false));

        // The bench measures how fast (docs/performance.md); the test checks that it happens.
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            Connection now = swarm.connection(jsPeer);
            return now != null && now != old && now.isOpen();
        });
        Connection fresh = swarm.connection(jsPeer);
        assertThat(Ping.ping(fresh).get(10, TimeUnit.SECONDS)).isPositive();
        CloseCause cause = oldClosed.get(15, TimeUnit.SECONDS);
        assertThat(cause.kind() == CloseCause.Kind.KEEP_ALIVE_TIMEOUT || cause.detail().contains("superseded"))
                .as("the old connection closed as dead or replaced: %s", cause).isTrue();
        // We dialled it: the restarted peer does not know us.
        assertThat(fresh.direction()).isEqualTo(io.github.p2pboot.swarm.Direction.OUTBOUND);
    }

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
