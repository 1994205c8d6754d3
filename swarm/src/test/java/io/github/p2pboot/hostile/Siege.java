package io.github.p2pboot.hostile;

import static org.awaitility.Awaitility.await;

import io.github.p2pboot.hostile.LegitPeer.Leg;
import io.github.p2pboot.hostile.LegitPeer.Visit;
import io.github.p2pboot.hostile.Victim.Memory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One attack on a fresh {@link Victim}, measured the same way every time:
 * <ol>
 * <li>before: the victim's memory after a GC, and a fresh legit peer's TCP and QUIC dial times;
 * <li>during: fresh legit peers visit one after another for as long as the attack runs, and once
 *     more while the attacker is still connected, when the victim's memory is measured again;
 * <li>after the attacker left: another visit, and memory polled back towards the baseline.
 * </ol>
 * Then, all at once (so that a failing run still prints all its figures): the victim is alive;
 * every visit dialled and pinged over both transports with at most {@link #ADDED_DIAL} added to
 * the baseline dial; memory stayed under budget while the attacker held on and came back near the
 * baseline; the victim's log grew by at most the attack's allowance. The figures go to stdout
 * and to {@code target/hostile/figures.txt}.
 */
final class Siege implements AutoCloseable {

    /** What an attack may add to a legit peer's dial (issue 9's goal). */
    static final Duration ADDED_DIAL = Duration.ofSeconds(3);
    /**
     * Held while the attacker is connected, at most this share of the victim's heap and of its
     * direct memory: the engine's own budget for what peers make it buffer is a quarter of the
     * smaller of the two, and the node itself takes about a tenth of the heap.
     */
    static final double HELD_SHARE = 0.4;
    private static final Duration ATTACK_LIMIT = Duration.ofSeconds(60);
    /** A visit is two connections from 127.0.0.1; the victim allows one address 5 a second. */
    private static final Duration VISIT_INTERVAL = Duration.ofSeconds(1);

    /** The attackers' event loops, shared by all attacks; daemon threads, they never hold up the JVM. */
    static final EventLoopGroup ATTACKERS = new MultiThreadIoEventLoopGroup(2,
            new DefaultThreadFactory("attacker", true), NioIoHandler.newFactory());

    /** One attack: {@link #run} does it, bounded in time, and stays connected; {@link #close} leaves. */
    interface Attack extends AutoCloseable {
        /** Performs the attack; returns what it did, e.g. how many bytes the victim took. */
        String run() throws Exception;

        @Override
        void close();
    }

    /**
     * What an attack may leave behind.
     *
     * @param logLines lines the victim may log because of it
     * @param retainedHeap heap beyond the baseline the victim may still hold after the attacker
     *     left (what a bounded store legitimately keeps, plus noise)
     * @param retainedDirect the same for direct memory (pooled allocators keep some chunks)
     */
    record Allowance(long logLines, long retainedHeap, long retainedDirect) {
        static final long MIB = 1024 * 1024;
        static final Allowance DEFAULT = new Allowance(10, 16 * MIB, 24 * MIB);

        Allowance logLines(long lines) {
            return new Allowance(lines, retainedHeap, retainedDirect);
        }

        Allowance retainedHeap(long bytes) {
            return new Allowance(logLines, bytes, retainedDirect);
        }
    }

    private final String name;
    private final Victim victim;
    private final Memory baseline;
    private final Visit baselineVisit;

    private Siege(String name, Victim victim, Memory baseline, Visit baselineVisit) {
        this.name = name;
        this.victim = victim;
        this.baseline = baseline;
        this.baselineVisit = baselineVisit;
    }

    /** A fresh victim and its baseline: memory, and the second of two legit visits (the first warms up). */
    static Siege begin(String name) throws Exception {
        Victim victim = Victim.start(name);
        try {
            Visit warmUp = LegitPeer.visit(victim);
            Visit visit = LegitPeer.visit(victim);
            if (!visit.tcp().ok() || !visit.quic().ok()) {
                throw new IllegalStateException("the victim does not serve a legit peer even before the attack: " + warmUp + "; " + visit);
            }
            Memory baseline = victim.memory();
            if (baseline == null) {
                throw new IllegalStateException("the victim does not answer before the attack");
            }
            return new Siege(name, victim, baseline, visit);
        } catch (Exception | Error e) {
            victim.close();
            throw e;
        }
    }

    Victim victim() {
        return victim;
    }

    /** Runs {@code attack} as the class comment says and asserts on what it did. */
    void survive(Attack attack, Allowance allowance) throws Exception {
        long logBefore = victim.logLines();
        int threadsBefore = victim.threads();
        List<Visit> during = new ArrayList<>();
        AtomicReference<String> summary = new AtomicReference<>("(attack did not finish)");
        long started = System.nanoTime();
        Memory held;
        boolean aliveWhileHeld;
        try {
            CompletableFuture<String> running = CompletableFuture.supplyAsync(() -> {
                try {
                    return attack.run();
                } catch (Exception e) {
                    return "attack failed: " + e;
                }
            });
            // Visits for as long as the attack runs, each bounded by its timeouts, one a second at
            // most: the legit peers all come from 127.0.0.1, and faster would run into the
            // victim's connection rate limit per address, which is meant for one peer's address.
            do {
                long visitStarted = System.nanoTime();
                during.add(LegitPeer.visit(victim));
                long pause = VISIT_INTERVAL.toNanos() - (System.nanoTime() - visitStarted);
                if (pause > 0 && !running.isDone()) {
                    try {
                        running.get(pause, TimeUnit.NANOSECONDS);
                    } catch (java.util.concurrent.TimeoutException stillRunning) {
                        // time for the next visit
                    }
                }
            } while (!running.isDone() && victim.isAlive() && System.nanoTime() - started < ATTACK_LIMIT.toNanos());
            summary.set(running.get(ATTACK_LIMIT.toSeconds(), TimeUnit.SECONDS));
            if (victim.isAlive()) {
                during.add(LegitPeer.visit(victim));
            }
            held = victim.memory();
            aliveWhileHeld = victim.isAlive();
        } finally {
            attack.close();
        }
        long attackSeconds = (System.nanoTime() - started) / 1_000_000_000;
        Visit after = victim.isAlive() ? LegitPeer.visit(victim) : null;
        Memory settled = settle(allowance);
        long logged = victim.logLines() - logBefore;
        int threadsAfter = victim.threads();

        String figures = String.format(Locale.ROOT,
                "%s: %s%n  baseline %s; legit %s%n  during (%d s, %d visits): %s%n  held while connected: %s; after leaving: %s%n"
                        + "  legit after: %s%n  victim alive: %s; log +%d lines; threads %d -> %d%s",
                name, summary.get(), baseline, baselineVisit, attackSeconds, during.size(), during, held, settled, after,
                victim.isAlive(), logged, threadsBefore, threadsAfter,
                victim.isAlive() ? "" : "; stderr: " + victim.stderr().strip());
        record(figures);

        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(aliveWhileHeld && victim.isAlive()).as("the victim is alive (stderr: %s)", victim.stderr().strip()).isTrue();
        List<Visit> visits = new ArrayList<>(during);
        if (after != null) {
            visits.add(after);
        }
        for (Visit visit : visits) {
            check(soft, "TCP", visit.tcp(), baselineVisit.tcp());
            check(soft, "QUIC", visit.quic(), baselineVisit.quic());
        }
        soft.assertThat(held).as("memory while the attacker is connected").isNotNull();
        if (held != null) {
            soft.assertThat(held.heap()).as("heap held while the attacker is connected (%s)", held)
                    .isLessThanOrEqualTo((long) (Victim.MAX_HEAP * HELD_SHARE));
            soft.assertThat(held.direct()).as("direct memory held while the attacker is connected (%s)", held)
                    .isLessThanOrEqualTo((long) (Victim.MAX_DIRECT * HELD_SHARE));
        }
        soft.assertThat(settled).as("memory after the attacker left").isNotNull();
        if (settled != null) {
            soft.assertThat(settled.heap()).as("heap after the attacker left (%s; baseline %s)", settled, baseline)
                    .isLessThanOrEqualTo(baseline.heap() + allowance.retainedHeap());
            soft.assertThat(settled.direct()).as("direct memory after the attacker left (%s; baseline %s)", settled, baseline)
                    .isLessThanOrEqualTo(baseline.direct() + allowance.retainedDirect());
        }
        soft.assertThat(logged).as("lines the victim logged during the attack; the first: %s",
                victim.logSample(logBefore, 8)).isLessThanOrEqualTo(allowance.logLines());
        soft.assertAll();
    }

    private static void check(SoftAssertions soft, String transport, Leg leg, Leg baseline) {
        soft.assertThat(leg.error()).as("a legit peer's %s dial and ping", transport).isNull();
        if (leg.ok()) {
            soft.assertThat(leg.dial()).as("a legit peer's %s dial (baseline %d ms)", transport, baseline.dial().toMillis())
                    .isLessThanOrEqualTo(baseline.dial().plus(ADDED_DIAL));
        }
    }

    /** Memory once back within the allowance, or as it stands at the deadline; null if the victim does not answer. */
    private Memory settle(Allowance allowance) {
        AtomicReference<Memory> last = new AtomicReference<>();
        if (!victim.isAlive()) {
            return null;
        }
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
                Memory now = victim.memory();
                last.set(now);
                return now == null || (now.heap() <= baseline.heap() + allowance.retainedHeap()
                        && now.direct() <= baseline.direct() + allowance.retainedDirect());
            });
        } catch (ConditionTimeoutException stillHigh) {
            // reported and asserted by the caller
        }
        return last.get();
    }

    private static synchronized void record(String figures) throws IOException {
        System.out.println("HOSTILE " + figures);
        Path file = Path.of("target", "hostile", "figures.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "[" + Instant.now() + "] " + figures + System.lineSeparator() + System.lineSeparator(),
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Override
    public void close() throws InterruptedException {
        victim.close();
    }
}
