package io.github.p2pboot.swarm;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks that every event loop still runs tasks. An event loop whose thread died (an
 * {@link OutOfMemoryError} thrown inside it ends the thread) or that something blocks serves none
 * of its connections again, yet the JVM goes on as if the node were fine: a half-dead node is
 * worse than a dead one, which a supervisor restarts. The watchdog runs on a thread of its own,
 * since the loops it checks cannot be trusted to run it.
 */
final class EventLoopWatchdog implements AutoCloseable {

    /** How often every loop is checked. */
    static final Duration PERIOD = Duration.ofSeconds(5);
    /** How long a loop may take to run a trivial task before it counts as unresponsive. */
    static final Duration DEADLINE = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(EventLoopWatchdog.class);

    private final EventLoopGroup group;
    private final IntConsumer unresponsive;
    private final Duration deadline;
    private final ScheduledExecutorService thread;
    private final List<PendingProbe> pending = new ArrayList<>();
    private volatile boolean reported;

    private record PendingProbe(int index, Future<?> probe, long sentNanos) {
    }

    /** @param unresponsive told once, with the loop's index, when a loop first fails its deadline */
    EventLoopWatchdog(EventLoopGroup group, IntConsumer unresponsive) {
        this(group, unresponsive, PERIOD, DEADLINE);
    }

    EventLoopWatchdog(EventLoopGroup group, IntConsumer unresponsive, Duration period, Duration deadline) {
        this.deadline = deadline;
        this.group = group;
        this.unresponsive = unresponsive;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "libp2p-event-loop-watchdog");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::check, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether a loop has ever missed its deadline since the start. */
    boolean anyUnresponsive() {
        return reported;
    }

    private void check() {
        long now = System.nanoTime();
        // Probes still out from earlier checks: a loop that has not run one within the deadline is
        // dead or blocked. Never wait here, so one stuck loop does not hide the others.
        pending.removeIf(p -> p.probe().isDone());
        for (PendingProbe p : pending) {
            if (now - p.sentNanos() > deadline.toNanos() && !reported) {
                reported = true;
                log.error("libp2p event loop {} has not run a task for over {} s: its thread died (after an OutOfMemoryError?) or "
                        + "is blocked, and its connections are no longer served. Restart the node; run the JVM with "
                        + "-XX:+ExitOnOutOfMemoryError so that it exits instead of lingering half-dead", p.index(), deadline.toSeconds());
                unresponsive.accept(p.index());
            }
        }
        int index = 0;
        for (EventExecutor loop : group) {
            int i = index++;
            if (pending.stream().anyMatch(p -> p.index() == i)) {
                continue;
            }
            try {
                pending.add(new PendingProbe(i, loop.submit(() -> { }), now));
            } catch (java.util.concurrent.RejectedExecutionException shutDown) {
                // The group is stopping; close() follows.
            }
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
