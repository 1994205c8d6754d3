package io.github.p2pboot.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.interop.peers.PeerProcess;
import io.github.p2pboot.interop.peers.PeerProcess.Implementation;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A peer that has talked to another node of its own implementation dials ours over QUIC.
 *
 * <p>quinn (under js- and rust-libp2p) keeps the address-validation tokens a server gives it in
 * NEW_TOKEN frames, by server name, and libp2p uses one server name for every peer: the next
 * Initial to any libp2p node carries a token of another. We issue no tokens. Netty took any token
 * it was told was valid as a Retry token, so the connection was set up as if after a Retry, with
 * the token as the original destination id; the client refused that, and every dial from such a
 * peer timed out (seen with js-libp2p). A token we did not issue is now ignored, as RFC 9000
 * section 8.1.3 asks, and the dial goes through.
 */
class QuicAddressTokenIT {

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void aPeerHoldingAnotherNodesTokenDialsOurs(Implementation implementation) throws Exception {
        PeerProcess.unavailable(implementation).ifPresent(reason -> assumeTrue(false, reason));
        try (TestSwarms swarms = new TestSwarms();
                PeerProcess other = PeerProcess.start(implementation, PeerProcess.options());
                PeerProcess dialler = PeerProcess.start(implementation, PeerProcess.options())) {
            // A connection to the other node, and identify over it: by then its NEW_TOKEN frames,
            // sent with the end of the handshake, have arrived.
            assertThat(dialler.dial(other.quicAddress())).isEqualTo(other.peerId());
            await().atMost(Duration.ofSeconds(10)).until(() -> !dialler.peerInfo(other.peerId()).protocols().isEmpty());
            dialler.hangUp(other.peerId());
            Swarm ours = swarms.start();

            Duration rtt = dialler.ping(TestSwarms.address(ours).toString());

            assertThat(rtt).isLessThan(Duration.ofSeconds(5));
            assertThat(ours.connection(PeerId.parse(dialler.peerId()))).isNotNull();
        }
    }
}
