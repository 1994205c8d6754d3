package io.github.p2pboot.fuzzing;

import java.lang.management.ManagementFactory;

/**
 * Heap bytes allocated by the current thread, as the JVM counts them (HotSpot's per-thread
 * allocation counter): a decoder that believed a peer's declared length and allocated for it
 * shows up here even when it allocates a plain byte array.
 */
public final class AllocationMeter {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final long start;

    private AllocationMeter() {
        start = THREADS.getCurrentThreadAllocatedBytes();
    }

    public static AllocationMeter start() {
        return new AllocationMeter();
    }

    /**
     * Whether {@code allocated} bytes are within what decoding {@code inputLength} bytes may cost:
     * a small multiple of the input plus a fixed allowance for the channel and its handlers. The
     * first tries of a run load classes and warm up, so they are not held to it.
     */
    public boolean withinBudget(int inputLength, java.util.concurrent.atomic.AtomicInteger tries) {
        return tries.incrementAndGet() <= WARM_UP_TRIES || allocated() < 64L * inputLength + FIXED_ALLOWANCE;
    }

    private static final int WARM_UP_TRIES = 50;
    private static final long FIXED_ALLOWANCE = 512 * 1024;

    /** Bytes allocated by this thread since {@link #start()}. */
    public long allocated() {
        return THREADS.getCurrentThreadAllocatedBytes() - start;
    }
}
