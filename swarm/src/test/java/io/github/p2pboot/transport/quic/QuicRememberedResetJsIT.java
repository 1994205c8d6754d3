package io.github.p2pboot.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.interop.peers.JsPeer;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.QuicSettings;
import io.github.p2pboot.transport.MuxedConnection;
import io.github.p2pboot.transport.TransportListener;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Resets at start for remembered connections, against quinn (a real js-libp2p node): quinn matches
 * a reset by its sender and token, so the restarted transport ends the js node's stale connection
 * without waiting for the js node to send anything.
 */
class QuicRememberedResetJsIT {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private JsPeer js;
    private QuicTransport a;
    private QuicTransport restarted;

    @AfterEach
    void stop() {
        if (restarted != null) {
            restarted.close();
        }
        if (a != null) {
            a.close();
        }
        if (js != null) {
            js.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void jsDropsARememberedConnectionAsSoonAsTheRestartedNodeResetsIt() throws Exception {
        PrivateKey key = PrivateKey.generateEd25519();
        js = JsPeer.start(JsPeer.options().tcp(false));
        a = new QuicTransport(key, QuicSettings.DEFAULTS, group, new RefusingStreams());
        Multiaddr address = a.listen(Multiaddr.parse("/ip4/127.0.0.1/udp/0/quic-v1"));
        assertThat(js.dial(address.withPeerId(key.peerId()).toString())).isEqualTo(key.peerId().toString());
        List<QuicTransport.RememberedConnection> remembered = awaitRemembered(a);

        a.crashForTest();
        restarted = new QuicTransport(key, QuicSettings.DEFAULTS, group, new RefusingStreams());
        restarted.listen(address);
        long resetAt = System.nanoTime();
        assertThat(restarted.resetRemembered(remembered)).isEqualTo(1);

        js.awaitEvent(e -> "peer:disconnect".equals(e.get("event").asString())
                && key.peerId().toString().equals(e.get("peerId").asString()), Duration.ofSeconds(20));
        long goneMs = (System.nanoTime() - resetAt) / 1_000_000;
        System.out.printf("js-libp2p dropped a remembered connection %d ms after the restarted node's reset%n", goneMs);
        // Its keep-alive (5 s), connection monitor (10 s) or idle timeout (10 s) would take longer.
        assertThat(Duration.ofMillis(goneMs)).isLessThan(Duration.ofSeconds(2));
    }

    private static List<QuicTransport.RememberedConnection> awaitRemembered(QuicTransport transport) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (transport.connectionsToRemember().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the js node's connection never came up");
            }
            Thread.sleep(10);
        }
        return transport.connectionsToRemember();
    }

    /** A bare transport speaks no libp2p protocol: the js node's identify stream is just closed. */
    private static final class RefusingStreams implements TransportListener {
        @Override
        public void inboundConnection(MuxedConnection connection) {
        }

        @Override
        public void inboundStream(MuxedConnection connection, Channel stream) {
            stream.close();
        }
    }
}
