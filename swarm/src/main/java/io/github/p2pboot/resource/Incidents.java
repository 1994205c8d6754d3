package io.github.p2pboot.resource;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What peers did that we refused or closed for, counted by kind, and logged so that no peer
 * controls how much we log.
 *
 * <p>Each incident is logged at DEBUG with its detail. At WARN, the first incident of a kind is
 * logged at once; the ones after it are summed up in one line per kind per
 * {@linkplain #SUMMARY_PERIOD minute} (how many, from how many peers, and the peer with the
 * most), so a flood of 20,000 bad frames costs two lines, not 20,000. The totals are kept for
 * meters and the actuator.
 *
 * <p>Thread-safe; {@link #report} is cheap enough for event loops.
 */
public final class Incidents {

    /** How often a kind's incidents are summed up at most. */
    public static final Duration SUMMARY_PERIOD = Duration.ofMinutes(1);
    /** Distinct peers remembered per kind per period; more are counted but not named. */
    static final int MAX_PEERS_PER_PERIOD = 1024;

    private static final Logger log = LoggerFactory.getLogger(Incidents.class);

    private final Map<String, Kind> kinds = new ConcurrentHashMap<>();
    private final List<Consumer<String>> kindListeners = new CopyOnWriteArrayList<>();
    private final LongSupplier nanoClock;

    public Incidents() {
        this(System::nanoTime);
    }

    Incidents(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /**
     * Records an incident.
     *
     * @param kind a short, fixed name for what happened, e.g. {@code "yamux protocol error"}; never
     *     text a peer chose, since kinds are kept forever
     * @param peer who did it: a peer id or, before the peer is authenticated, its address
     * @param detail what exactly was wrong, logged at DEBUG only
     */
    public void report(String kind, Object peer, String detail) {
        log.debug("{} from {}: {}", kind, peer, detail);
        Kind counter = kinds.get(kind);
        if (counter == null) {
            Kind fresh = new Kind(kind);
            counter = kinds.putIfAbsent(kind, fresh);
            if (counter == null) {
                counter = fresh;
                kindListeners.forEach(l -> l.accept(kind));
            }
        }
        String summary = counter.add(String.valueOf(peer), detail, nanoClock.getAsLong());
        if (summary != null) {
            log.warn(summary);
        }
    }

    /**
     * Tells {@code listener} every kind seen so far and each new one as it first happens, e.g. to
     * register a meter per kind that reads {@link #total(String)}.
     */
    public void onKind(Consumer<String> listener) {
        kindListeners.add(listener);
        kinds.keySet().forEach(listener);
    }

    /** Logs the summary of every kind whose period is over; the swarm calls this periodically. */
    public void flush() {
        long now = nanoClock.getAsLong();
        for (Kind kind : kinds.values()) {
            String summary = kind.summaryIfDue(now);
            if (summary != null) {
                log.warn(summary);
            }
        }
    }

    /** Every kind seen so far with how many incidents it had in total, sorted by kind. */
    public Map<String, Long> totals() {
        Map<String, Long> totals = new TreeMap<>();
        kinds.forEach((name, kind) -> totals.put(name, kind.total.get()));
        return totals;
    }

    /** How many incidents of {@code kind} there were in total. */
    public long total(String kind) {
        Kind counter = kinds.get(kind);
        return counter == null ? 0 : counter.total.get();
    }

    /** One kind's counters; the current period's state is guarded by the object's lock. */
    private static final class Kind {
        private final String name;
        private final AtomicLong total = new AtomicLong();
        private long periodStart;
        private boolean warnedOnce;
        private long inPeriod;
        private final Map<String, Long> peersInPeriod = new HashMap<>();
        private long unnamedInPeriod;

        Kind(String name) {
            this.name = name;
        }

        synchronized String add(String peer, String detail, long now) {
            total.incrementAndGet();
            if (!warnedOnce) {
                warnedOnce = true;
                periodStart = now;
                return name + " from " + peer + ": " + detail + " (more of this kind are summed up every "
                        + SUMMARY_PERIOD.toSeconds() + " s; details at DEBUG)";
            }
            inPeriod++;
            if (peersInPeriod.size() < MAX_PEERS_PER_PERIOD || peersInPeriod.containsKey(peer)) {
                peersInPeriod.merge(peer, 1L, Long::sum);
            } else {
                unnamedInPeriod++;
            }
            return summaryIfDue(now);
        }

        synchronized String summaryIfDue(long now) {
            if (!warnedOnce || now - periodStart < SUMMARY_PERIOD.toNanos()) {
                return null;
            }
            String summary = null;
            if (inPeriod > 0) {
                Map.Entry<String, Long> top = peersInPeriod.entrySet().stream()
                        .max(Map.Entry.comparingByValue()).orElseThrow();
                int peers = peersInPeriod.size() + (unnamedInPeriod > 0 ? 1 : 0);
                summary = name + ": " + inPeriod + " more in the last " + Duration.ofNanos(now - periodStart).toSeconds()
                        + " s from " + (unnamedInPeriod > 0 ? "over " : "") + peers + " peer(s); most from "
                        + top.getKey() + " (" + top.getValue() + ")";
            }
            periodStart = now;
            inPeriod = 0;
            unnamedInPeriod = 0;
            peersInPeriod.clear();
            return summary;
        }
    }
}
