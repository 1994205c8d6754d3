package io.github.p2pboot.hostile;

import io.github.p2pboot.identity.PrivateKey;
import io.netty.handler.codec.quic.QuicChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * QUIC dials from many fresh identities, all fired at once; each stays connected until the end.
 * The identities (each a TLS certificate and context) are made when the attack is built, before
 * the siege's baseline, so that the dials do go out together.
 */
final class QuicDialStorm implements Siege.Attack {

    private final Victim victim;
    private final int dials;
    private final List<RawQuicPeer> peers;
    private final String prepared;

    QuicDialStorm(Victim victim, int dials) {
        this.victim = victim;
        this.dials = dials;
        long start = System.nanoTime();
        this.peers = java.util.stream.IntStream.range(0, dials).parallel()
                .mapToObj(i -> RawQuicPeer.create(Siege.ATTACKERS, PrivateKey.generateEd25519())).toList();
        this.prepared = Attacks.seconds(start);
    }

    @Override
    public String run() throws Exception {
        long start = System.nanoTime();
        List<CompletableFuture<Long>> handshakes = new ArrayList<>();
        for (RawQuicPeer peer : peers) {
            handshakes.add(peer.connect(victim.quic6(), 10_000).thenApply((QuicChannel c) -> (System.nanoTime() - start) / 1_000_000));
        }
        List<Long> done = new ArrayList<>(Attacks.joinAll(handshakes, Duration.ofSeconds(15)));
        done.sort(null);
        String percentiles = done.isEmpty() ? "none"
                : "p50 " + done.get(done.size() / 2) + " ms, p90 " + done.get(done.size() * 9 / 10) + " ms, max " + done.get(done.size() - 1) + " ms";
        return "QUIC dial storm: " + dials + " identities (made beforehand in " + prepared + ") dialled at once: "
                + done.size() + " handshakes done within 15 s (" + percentiles + "), " + (dials - done.size()) + " failed or timed out";
    }

    @Override
    public void close() {
        peers.forEach(RawQuicPeer::close);
    }
}
