package io.github.p2pboot.bench.rejoin;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link BenchNode} in its own JVM: started, killed with SIGKILL ({@link Process#destroyForcibly()}
 * on Linux), and started again with the same arguments. A shutdown hook kills it if the benchmark
 * ends first; the node also stops when its stdin closes.
 */
final class BenchNodeProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Process process;
    private final Path logFile;
    private final Writer stdin;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread shutdownHook;
    private final long launchedNanos;
    private long startedNanos;
    private String peerId;
    private List<String> addresses = List.of();

    private BenchNodeProcess(Process process, Path logFile, long launchedNanos) {
        this.process = process;
        this.logFile = logFile;
        this.launchedNanos = launchedNanos;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        shutdownHook = new Thread(process::destroyForcibly);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        Thread reader = new Thread(this::readStdout, "bench-node-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts a node and waits until its Swarm has started. */
    static BenchNodeProcess start(List<String> args) {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx256m"));
        String logLevel = System.getProperty("bench.log.level");
        if (logLevel != null) {
            command.add("-Dbench.log.level=" + logLevel);
        }
        command.addAll(List.of("-cp", classPath(), BenchNode.class.getName()));
        command.addAll(args);
        Path logFile = Path.of("target", "bench-node-" + ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet() + ".log");
        long launched;
        Process process;
        try {
            Files.createDirectories(logFile.getParent());
            launched = System.nanoTime();
            process = new ProcessBuilder(command).redirectError(logFile.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a bench node JVM", e);
        }
        BenchNodeProcess node = new BenchNodeProcess(process, logFile, launched);
        try {
            String started = node.awaitLine("started ", START_TIMEOUT);
            String[] parts = started.split(" ");
            node.startedNanos = Long.parseLong(parts[1]);
            node.peerId = parts[2];
            node.addresses = List.of(parts).subList(3, parts.length);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    /** System.nanoTime() in the node's JVM right after its Swarm started. */
    long startedNanos() {
        return startedNanos;
    }

    /** System.nanoTime() in this JVM just before the node's JVM was launched. */
    long launchedNanos() {
        return launchedNanos;
    }

    String peerId() {
        return peerId;
    }

    String quicAddress() {
        return addresses.stream().filter(a -> a.contains("/quic-v1")).findFirst().orElseThrow() + "/p2p/" + peerId;
    }

    String tcpAddress() {
        return addresses.stream().filter(a -> a.contains("/tcp/")).findFirst().orElseThrow() + "/p2p/" + peerId;
    }

    Path logFile() {
        return logFile;
    }

    /** Waits for the next line starting with one of {@code prefixes}, skipping others (log lines). */
    String awaitLine(String prefix, Duration timeout) {
        return awaitAny(List.of(prefix), timeout);
    }

    String awaitAny(List<String> prefixes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
                if (line == null) {
                    throw new IllegalStateException("no line starting with " + prefixes + " from the bench node within "
                            + timeout.toSeconds() + " s" + (process.isAlive() ? "" : " (it exited)") + "; see " + logFile);
                }
                for (String prefix : prefixes) {
                    if (line.startsWith(prefix)) {
                        return line;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    void send(String line) {
        try {
            stdin.write(line + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the bench node is gone; see " + logFile, e);
        }
    }

    /** SIGKILL: the node gets no chance to tell its peers. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void readStdout() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException ignored) {
            // The process ended.
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                stdin.close();
            } catch (IOException ignored) {
                // Killed below if it does not exit.
            }
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // The JVM is shutting down; the hook runs anyway.
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * The bench's class path. Under {@code mvn exec:java} the bench runs in a class loader of its
     * own inside Maven's JVM, so java.class.path names Maven's jars: the loader's URLs are the ones.
     */
    private static String classPath() {
        Set<String> entries = new LinkedHashSet<>();
        // Only the bench's own loader: its parents may be Maven's.
        if (BenchNode.class.getClassLoader() instanceof URLClassLoader urls) {
            for (URL url : urls.getURLs()) {
                try {
                    entries.add(Path.of(url.toURI()).toString());
                } catch (URISyntaxException | IllegalArgumentException e) {
                    // Not a file: not a class path entry for a child JVM.
                }
            }
        }
        if (entries.isEmpty()) {
            return System.getProperty("java.class.path");
        }
        return String.join(File.pathSeparator, entries);
    }
}
