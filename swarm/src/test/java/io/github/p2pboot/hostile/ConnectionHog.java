package io.github.p2pboot.hostile;

import io.github.p2pboot.identity.PrivateKey;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One key on one address holding as many connections as the victim lets it, over QUIC or TCP,
 * re-dialling each one the victim closes, for a while.
 */
final class ConnectionHog implements Siege.Attack {

    private final Victim victim;
    private final boolean quic;
    private final int target;
    private final int inFlight;
    private final Duration duration;
    private final PrivateKey identity = PrivateKey.generateEd25519();
    private final List<Channel> open = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

    ConnectionHog(Victim victim, boolean quic, int target, int inFlight, Duration duration) {
        this.victim = victim;
        this.quic = quic;
        this.target = target;
        this.inFlight = inFlight;
        this.duration = duration;
    }

    @Override
    public String run() throws Exception {
        RawQuicPeer quicPeer = quic ? RawQuicPeer.create(Siege.ATTACKERS, identity) : null;
        if (quicPeer != null) {
            resources.add(quicPeer);
        }
        Semaphore slots = new Semaphore(target);
        Semaphore dialling = new Semaphore(inFlight);
        AtomicInteger dials = new AtomicInteger();
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger closedByVictim = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        while (System.nanoTime() < deadline && victim.isAlive()) {
            if (!slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                continue;
            }
            if (!dialling.tryAcquire(1, TimeUnit.SECONDS)) {
                slots.release();
                continue;
            }
            dials.incrementAndGet();
            CompletableFuture<Channel> dial = quicPeer != null
                    ? quicPeer.connect(victim.quic6(), 5_000).thenApply(c -> (Channel) c)
                    : RawTcpPeer.connect(Siege.ATTACKERS, victim.tcp6(), identity, 64 * 1024).thenApply(RawTcpPeer::channel);
            dial.orTimeout(10, TimeUnit.SECONDS).whenComplete((channel, error) -> {
                dialling.release();
                if (error != null) {
                    failed.incrementAndGet();
                    slots.release();
                    return;
                }
                opened.incrementAndGet();
                open.add(channel);
                most.accumulateAndGet(open.size(), Math::max);
                channel.closeFuture().addListener(f -> {
                    if (open.remove(channel)) {
                        closedByVictim.incrementAndGet();
                    }
                    slots.release();
                });
            });
        }
        return "one key, one address, " + (quic ? "QUIC" : "TCP") + ": " + dials.get() + " dials (up to " + target
                + " held, each one the victim closed dialled again) in " + Attacks.seconds(start) + ", " + opened.get() + " connections made, " + failed.get()
                + " failed, " + closedByVictim.get() + " closed by the victim, at most " + most.get() + " open at once, "
                + open.size() + " open at the end";
    }

    @Override
    public void close() {
        List<Channel> all = List.copyOf(open);
        open.clear();
        all.forEach(Channel::close);
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                // leaving anyway
            }
        }
    }
}
