package io.github.p2pboot.bench.rejoin;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Durations in milliseconds, one per run, and their nearest-rank percentiles. Thread-safe. */
final class Samples {

    private final List<Double> millis = new ArrayList<>();

    synchronized void add(double ms) {
        millis.add(ms);
    }

    void addNanos(long nanos) {
        add(nanos / 1e6);
    }

    synchronized int count() {
        return millis.size();
    }

    synchronized boolean isEmpty() {
        return millis.isEmpty();
    }

    /** Nearest rank: the smallest sample with at least {@code p} of all samples at or below it. */
    synchronized double percentile(double p) {
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    synchronized double max() {
        return Collections.max(millis);
    }

    /** "p50 / p95 / max" or a dash when there is nothing to report. */
    String summary() {
        return isEmpty() ? "—" : ms(percentile(0.5)) + " / " + ms(percentile(0.95)) + " / " + ms(max());
    }

    static String ms(double millis) {
        return millis >= 1000 ? String.format(Locale.ROOT, "%.2f s", millis / 1000) : String.format(Locale.ROOT, "%.0f ms", millis);
    }

    @Override
    public synchronized String toString() {
        return millis.stream().map(Samples::ms).toList().toString();
    }
}
