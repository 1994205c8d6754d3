package io.github.p2pboot.bench.perf;

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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A {@link PerfNode} in a JVM of its own, on the JDK the bench is told to use. */
final class OurProcess implements AutoCloseable {

    private final Process process;
    private final Writer stdin;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Path logFile;
    String peerId;
    String quicAddress;
    String tcpAddress;
    int rawPort;

    private OurProcess(Process process, Path logFile) {
        this.process = process;
        this.logFile = logFile;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "perf-node-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    static OurProcess start(String java, List<String> jvmArgs, String name) {
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m"));
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", classPath(), PerfNode.class.getName()));
        Path logFile = Path.of("target", "perf-node-" + name + ".log");
        try {
            Files.createDirectories(logFile.getParent());
            OurProcess node = new OurProcess(new ProcessBuilder(command).redirectError(logFile.toFile()).start(), logFile);
            node.readReady();
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    private void readReady() {
        String[] ready = await("ready ", 60).split(" ");
        peerId = ready[1];
        quicAddress = ready[2];
        tcpAddress = ready[3];
        rawPort = Integer.parseInt(ready[4]);
    }

    long pid() {
        return process.pid();
    }

    /** Sends a command and returns the number after {@code ok}. */
    synchronized long call(String command, long timeoutSeconds) {
        send(command);
        String answer = await("", timeoutSeconds);
        if (!answer.startsWith("ok")) {
            throw new IllegalStateException(command + ": " + answer + " (see " + logFile + ")");
        }
        String[] words = answer.split(" ");
        return words.length > 1 ? Long.parseLong(words[1]) : 0;
    }

    /** A new identity and new ports: the next dial to it is a first contact. */
    synchronized void renew() {
        send("renew");
        readReady();
    }

    private void send(String command) {
        try {
            stdin.write(command + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("perf node gone; see " + logFile, e);
        }
    }

    private String await(String prefix, long timeoutSeconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        try {
            while (true) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new IllegalStateException("no answer from the perf node within " + timeoutSeconds + " s; see " + logFile);
                }
                if (line.startsWith(prefix) && (line.startsWith("ok") || line.startsWith("err") || line.startsWith("ready"))) {
                    return line;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        try {
            send("quit");
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (RuntimeException | InterruptedException e) {
            process.destroyForcibly();
        }
    }

    /** Under {@code mvn exec:java} the bench's class loader's URLs are its class path, not java.class.path. */
    private static String classPath() {
        Set<String> entries = new LinkedHashSet<>();
        if (PerfNode.class.getClassLoader() instanceof URLClassLoader urls) {
            for (URL url : urls.getURLs()) {
                try {
                    entries.add(Path.of(url.toURI()).toString());
                } catch (URISyntaxException | IllegalArgumentException e) {
                    // not a file
                }
            }
        }
        return entries.isEmpty() ? System.getProperty("java.class.path") : String.join(File.pathSeparator, entries);
    }
}
