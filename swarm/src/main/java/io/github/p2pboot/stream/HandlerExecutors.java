package io.github.p2pboot.stream;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor stream handlers run on unless the application gives one: a virtual thread per
 * handler where the JDK has them (21 and later), else a pool of at most {@link #MAX_PLATFORM_THREADS}
 * daemon threads. Either way the node's stream limits bound how many handlers peers can start.
 */
final class HandlerExecutors {

    static final int MAX_PLATFORM_THREADS = 256;

    private static final ExecutorService DEFAULT = create();

    private HandlerExecutors() {
    }

    static ExecutorService defaultExecutor() {
        return DEFAULT;
    }

    /** Whether {@link #defaultExecutor()} runs each handler on a virtual thread. */
    static boolean virtualThreads() {
        return !(DEFAULT instanceof ThreadPoolExecutor);
    }

    private static ExecutorService create() {
        try {
            // Compiled for Java 17: look the JDK 21 factory up rather than call it.
            return (ExecutorService) MethodHandles.publicLookup()
                    .findStatic(java.util.concurrent.Executors.class, "newVirtualThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class))
                    .invoke();
        } catch (Throwable notOnThisJdk) {
            AtomicInteger count = new AtomicInteger();
            ThreadPoolExecutor pool = new ThreadPoolExecutor(0, MAX_PLATFORM_THREADS, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), task -> {
                Thread thread = new Thread(task, "libp2p-stream-handler-" + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
            return pool;
        }
    }
}
