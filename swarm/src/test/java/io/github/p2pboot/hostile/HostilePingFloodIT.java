package io.github.p2pboot.hostile;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.protocol.ping.Ping;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ping echo without backpressure (issue 9): a peer sends ping payload on one stream as fast as
 * the victim takes it and never reads the echoes. Unbounded, the echoes pile up with the victim
 * (86 MiB over TCP or 128 MiB over QUIC ran a 512 MiB heap out); the flood here is several times
 * the victim's heap.
 */
class HostilePingFloodIT {

    private static final long VOLUME = 4 * Victim.MAX_HEAP;

    @Test
    @Timeout(120)
    void pingEchoFloodOverTcpWithoutReading() throws Exception {
        try (Siege siege = Siege.begin("ping-flood-tcp")) {
            siege.survive(new Siege.Attack() {
                private RawTcpPeer peer;

                @Override
                public String run() throws Exception {
                    peer = Attacks.tcp(siege.victim(), PrivateKey.generateEd25519());
                    long start = System.nanoTime();
                    int stream = peer.openStream(Ping.PROTOCOL_ID, true);
                    long sent = peer.flood(Attacks.withinWindow(peer, stream), VOLUME, Attacks.STALL, Attacks.FLOOD_LIMIT)
                            .done().get(60, TimeUnit.SECONDS);
                    return "sent " + Attacks.mib(sent) + " of ping payload on one Yamux stream in " + Attacks.seconds(start)
                            + ", granting no window for the echoes; the victim sent " + Attacks.mib(peer.received())
                            + "; connection " + (peer.isOpen() ? "open" : "closed by the victim");
                }

                @Override
                public void close() {
                    if (peer != null) {
                        peer.close();
                    }
                }
            }, Siege.Allowance.DEFAULT);
        }
    }

    @Test
    @Timeout(120)
    void pingEchoFloodOverQuicWithoutReading() throws Exception {
        try (Siege siege = Siege.begin("ping-flood-quic")) {
            siege.survive(new Siege.Attack() {
                private RawQuicPeer peer;

                @Override
                public String run() throws Exception {
                    peer = RawQuicPeer.create(Siege.ATTACKERS, PrivateKey.generateEd25519());
                    QuicChannel connection = Attacks.quic(siege.victim(), peer);
                    long start = System.nanoTime();
                    QuicStreamChannel stream = RawQuicPeer.openStream(connection, Ping.PROTOCOL_ID, null).get(10, TimeUnit.SECONDS);
                    // Never read the echoes: QUIC flow control then stops the victim's sends.
                    stream.config().setAutoRead(false);
                    long sent = Flood.start(stream, () -> Attacks.junk(64 * 1024), VOLUME, Attacks.STALL, Attacks.FLOOD_LIMIT)
                            .done().get(60, TimeUnit.SECONDS);
                    return "sent " + Attacks.mib(sent) + " of ping payload on one QUIC stream in " + Attacks.seconds(start)
                            + ", reading none of the echoes; connection " + (connection.isActive() ? "open" : "closed by the victim");
                }

                @Override
                public void close() {
                    if (peer != null) {
                        peer.close();
                    }
                }
            }, Siege.Allowance.DEFAULT);
        }
    }
}
