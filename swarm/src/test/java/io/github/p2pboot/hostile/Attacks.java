package io.github.p2pboot.hostile;

import io.github.p2pboot.identity.PrivateKey;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.quic.QuicChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Pieces the attacks share. */
final class Attacks {

    static final long MIB = 1024 * 1024;
    /** How long a flood may find the victim taking nothing before it counts as held back. */
    static final Duration STALL = Duration.ofSeconds(4);
    static final Duration FLOOD_LIMIT = Duration.ofSeconds(10);
    /** The attacker's socket receive buffer: small, so that the victim's answers pile up with the victim. */
    static final int SMALL_RECEIVE_BUFFER = 16 * 1024;
    /** Bytes the floods send; never read or changed, so shared by all. */
    private static final byte[] JUNK = new byte[64 * 1024];

    static {
        new java.util.Random(9).nextBytes(JUNK);
    }

    private Attacks() {
    }

    static ByteBuf junk(int length) {
        return Unpooled.wrappedBuffer(JUNK, 0, length);
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) MIB);
    }

    static String seconds(long startNanos) {
        return String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - startNanos) / 1e9);
    }

    static RawTcpPeer tcp(Victim victim, PrivateKey identity) throws Exception {
        return RawTcpPeer.connect(Siege.ATTACKERS, victim.tcp6(), identity, SMALL_RECEIVE_BUFFER).get(20, TimeUnit.SECONDS);
    }

    static QuicChannel quic(Victim victim, RawQuicPeer peer) throws Exception {
        return peer.connect(victim.quic6(), 10_000).get(20, TimeUnit.SECONDS);
    }

    /** Data frames on {@code streamId} for as long as the victim grants window, never beyond it. */
    static Flood.Source withinWindow(RawTcpPeer peer, int streamId) {
        return () -> {
            long window = peer.sendWindow(streamId);
            if (window <= 0) {
                return null;
            }
            return peer.data(streamId, 0, junk((int) Math.min(window, JUNK.length)));
        };
    }

    /** Waits for every future, each within the same deadline; the failures are counted, not thrown. */
    static <T> List<T> joinAll(List<CompletableFuture<T>> futures, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<T> done = new ArrayList<>();
        for (CompletableFuture<T> future : futures) {
            try {
                done.add(future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (Exception failedOrLate) {
                future.cancel(false);
            }
        }
        return done;
    }
}
