package io.github.p2pboot.hostile;

import io.github.p2pboot.identity.PrivateKey;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.TimeUnit;

/**
 * Yamux control frames on one TCP connection. PING and window-update (SYN) floods come from a
 * peer that has stopped reading, so the victim's answers (PING ACKs, and the RSTs refusing
 * streams beyond its limit) pile up with it; the GoAway flood (error code: protocol error) comes
 * from a peer that reads, and is about what the victim logs.
 */
final class ControlFrameFlood implements Siege.Attack {

    enum Kind { PING, WINDOW_UPDATE_SYN, GO_AWAY_WITH_ERROR }

    private static final int FRAMES_PER_WRITE = 4096;

    private final Victim victim;
    private final Kind kind;
    private final long frames;
    private RawTcpPeer peer;

    ControlFrameFlood(Victim victim, Kind kind, long frames) {
        this.victim = victim;
        this.kind = kind;
        this.frames = frames;
    }

    @Override
    public String run() throws Exception {
        peer = Attacks.tcp(victim, PrivateKey.generateEd25519());
        if (kind != Kind.GO_AWAY_WITH_ERROR) {
            peer.stopReading();
        }
        long start = System.nanoTime();
        int[] nextStream = {1_001};
        long[] pingId = {0};
        long sent = peer.flood(() -> {
            ByteBuf batch = Unpooled.buffer(FRAMES_PER_WRITE * RawTcpPeer.HEADER);
            for (int i = 0; i < FRAMES_PER_WRITE; i++) {
                switch (kind) {
                    case PING -> batch.writeBytes(RawTcpPeer.header(RawTcpPeer.TYPE_PING, RawTcpPeer.SYN, 0, pingId[0]++));
                    case WINDOW_UPDATE_SYN -> {
                        batch.writeBytes(RawTcpPeer.header(RawTcpPeer.TYPE_WINDOW_UPDATE, RawTcpPeer.SYN, nextStream[0], 0));
                        nextStream[0] += 2;
                    }
                    case GO_AWAY_WITH_ERROR -> batch.writeBytes(RawTcpPeer.header(RawTcpPeer.TYPE_GO_AWAY, 0, 0, 1));
                }
            }
            return batch;
        }, frames * RawTcpPeer.HEADER, Attacks.STALL, Attacks.FLOOD_LIMIT).done().get(60, TimeUnit.SECONDS);
        return kind + " flood: " + sent / RawTcpPeer.HEADER + " frames (" + Attacks.mib(sent) + ") on one TCP connection in "
                + Attacks.seconds(start) + (kind == Kind.GO_AWAY_WITH_ERROR ? "" : ", reading nothing")
                + "; connection " + (peer.isOpen() ? "open" : "closed by the victim");
    }

    @Override
    public void close() {
        if (peer != null) {
            peer.close();
        }
    }
}
