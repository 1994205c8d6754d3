package io.github.p2pboot.hostile;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TCP sockets that connect and never send a byte, so the victim's upgrade never finishes: held for
 * {@code hold}; with a re-open rate, each one the victim closes is opened again (at most that many
 * a second), otherwise the burst is opened once.
 */
final class IdleSockets implements Siege.Attack {

    private final Victim victim;
    private final int count;
    private final int reopenPerSecond;
    private final Duration hold;
    private final List<Channel> open = new CopyOnWriteArrayList<>();

    IdleSockets(Victim victim, int count, int reopenPerSecond, Duration hold) {
        this.victim = victim;
        this.count = count;
        this.reopenPerSecond = reopenPerSecond;
        this.hold = hold;
    }

    @Override
    public String run() throws Exception {
        long start = System.nanoTime();
        long deadline = start + hold.toNanos();
        Semaphore slots = new Semaphore(count);
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger closedByVictim = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Bootstrap bootstrap = new Bootstrap().group(Siege.ATTACKERS).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .handler(RawQuicPeer.Discard.INSTANCE);
        int budget = count;
        long lastRefill = System.nanoTime();
        while (System.nanoTime() < deadline && victim.isAlive()) {
            if (budget == 0 && reopenPerSecond > 0) {
                // Re-opens are paced: a token bucket refilled by elapsed time.
                long now = System.nanoTime();
                budget = (int) Math.min(reopenPerSecond, (now - lastRefill) * reopenPerSecond / 1_000_000_000L);
                if (budget > 0) {
                    lastRefill = now;
                }
            }
            if (budget == 0 || !slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                if (budget == 0 && reopenPerSecond == 0) {
                    // a burst: held until the deadline
                    slots.tryAcquire(count + 1, Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
                continue;
            }
            budget--;
            bootstrap.connect(victim.tcp6()).addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    failed.incrementAndGet();
                    slots.release();
                    return;
                }
                opened.incrementAndGet();
                Channel channel = f.channel();
                open.add(channel);
                channel.closeFuture().addListener(c -> {
                    if (open.remove(channel)) {
                        closedByVictim.incrementAndGet();
                        slots.release();
                    }
                });
            });
        }
        return "idle TCP sockets: " + count + (reopenPerSecond > 0 ? " held, re-opened at up to " + reopenPerSecond + "/s" : " at once")
                + " for " + Attacks.seconds(start) + ": " + opened.get() + " opened, " + failed.get() + " failed, "
                + closedByVictim.get() + " closed by the victim, " + open.size() + " open at the end";
    }

    @Override
    public void close() {
        List<Channel> all = List.copyOf(open);
        open.clear();
        all.forEach(Channel::close);
    }
}
