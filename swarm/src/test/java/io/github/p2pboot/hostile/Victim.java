package io.github.p2pboot.hostile;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The test's handle on a {@link VictimMain} in its own JVM with a small heap and little direct
 * memory, so that an attack whose bytes the node holds without bound ends in an out-of-memory
 * error (and, with {@code -XX:+ExitOnOutOfMemoryError}, a dead process) within seconds. Its log and
 * stderr are files under {@code target/hostile/<name>/}, kept for a look after the run.
 */
final class Victim implements AutoCloseable {

    /** The victim's heap: every unbounded attack below sends several times this. */
    static final long MAX_HEAP = 128L * 1024 * 1024;
    static final long MAX_DIRECT = 64L * 1024 * 1024;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final Writer commands;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final List<Multiaddr> addresses;
    private final Path log;
    private final Path stderr;
    /** The JVM's own last words (its out-of-memory exit) come on stdout, among the answers. */
    private final List<String> otherOutput = new CopyOnWriteArrayList<>();

    private Victim(Process process, List<Multiaddr> addresses, BufferedReader out, Path log, Path stderr) {
        this.process = process;
        this.commands = process.outputWriter(StandardCharsets.UTF_8);
        this.addresses = addresses;
        this.log = log;
        this.stderr = stderr;
        Thread reader = new Thread(() -> {
            try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    answers.add(line);
                    if (!line.matches("^(MEMORY|THREADS|BYE) .*|^BYE$")) {
                        otherOutput.add(line);
                    }
                }
            } catch (IOException gone) {
                // the process ended
            }
        }, "victim-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    static Victim start(String name) throws IOException, InterruptedException {
        Path dir = Path.of("target", "hostile", name).toAbsolutePath();
        Files.createDirectories(dir);
        Path log = dir.resolve("victim.log");
        Path stderr = dir.resolve("victim.stderr");
        Files.deleteIfExists(log);
        Path logback = dir.resolve("logback-victim.xml");
        // The engine's own levels, as an application would run it (INFO), all of it to one file.
        Files.writeString(logback, """
                <configuration>
                  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
                    <file>%s</file>
                    <encoder><pattern>%%d{HH:mm:ss.SSS} %%-5level [%%thread] %%logger{36} - %%msg%%n</pattern></encoder>
                  </appender>
                  <logger name="io.github.p2pboot" level="%s"/>
                  <root level="INFO"><appender-ref ref="FILE"/></root>
                </configuration>
                """.formatted(log, Boolean.getBoolean("hostile.victim.debug") ? "DEBUG" : "INFO"));
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + MAX_HEAP / (1024 * 1024) + "m", "-XX:MaxDirectMemorySize=" + MAX_DIRECT / (1024 * 1024) + "m",
                "-XX:+ExitOnOutOfMemoryError", "-Dlogback.configurationFile=" + logback,
                "-cp", System.getProperty("java.class.path"), VictimMain.class.getName())
                .redirectError(stderr.toFile())
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<List<Multiaddr>> ready = CompletableFuture.supplyAsync(() -> {
            List<Multiaddr> found = new ArrayList<>();
            try {
                for (String line = out.readLine(); !"READY".equals(line); line = out.readLine()) {
                    if (line == null) {
                        throw new IllegalStateException("the victim exited before it listened");
                    }
                    if (line.startsWith("ADDR ")) {
                        found.add(Multiaddr.parse(line.substring(5).trim()));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return found;
        });
        List<Multiaddr> addresses;
        try {
            addresses = ready.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new IllegalStateException("the victim did not start: " + e + "; stderr: " + Files.readString(stderr), e);
        }
        return new Victim(process, List.copyOf(addresses), out, log, stderr);
    }

    PeerId peerId() {
        return addresses.get(0).peerId().orElseThrow();
    }

    /** The legit peers' addresses: on 127.0.0.1. */
    Multiaddr tcp4() {
        return address("/ip4/", "/tcp/");
    }

    Multiaddr quic4() {
        return address("/ip4/", "/quic-v1");
    }

    /** The attackers' side: ::1, another address than the legit peers'. */
    InetSocketAddress tcp6() {
        return socket(address("/ip6/", "/tcp/"));
    }

    InetSocketAddress quic6() {
        return socket(address("/ip6/", "/quic-v1"));
    }

    private Multiaddr address(String family, String transport) {
        return addresses.stream().filter(a -> a.toString().startsWith(family) && a.toString().contains(transport)).findFirst()
                .orElseThrow(() -> new IllegalStateException("the victim does not listen on " + family + "…" + transport));
    }

    private static InetSocketAddress socket(Multiaddr address) {
        String[] parts = address.toString().split("/");
        // /ip6/::1/tcp/1234/... or /ip6/::1/udp/1234/quic-v1/...
        return new InetSocketAddress(parts[2], Integer.parseInt(parts[4]));
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Heap and direct memory in use after a GC, or null if the victim did not answer in time. */
    Memory memory() {
        String answer = ask("memory", "MEMORY ");
        if (answer == null) {
            return null;
        }
        long heap = 0;
        long direct = 0;
        long netty = -1;
        for (String field : answer.substring("MEMORY ".length()).split(" ")) {
            String[] kv = field.split("=");
            long value = Long.parseLong(kv[1]);
            switch (kv[0]) {
                case "heap" -> heap = value;
                case "direct" -> direct = value;
                case "netty" -> netty = value;
                default -> { }
            }
        }
        return new Memory(heap, Math.max(direct, netty));
    }

    int threads() {
        String answer = ask("threads", "THREADS ");
        return answer == null ? -1 : Integer.parseInt(answer.substring("THREADS ".length()).trim());
    }

    private synchronized String ask(String command, String prefix) {
        if (!process.isAlive()) {
            return null;
        }
        try {
            answers.clear();
            commands.write(command + "\n");
            commands.flush();
            long deadline = System.nanoTime() + COMMAND_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                String line = answers.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (line != null && line.startsWith(prefix)) {
                    return line;
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** How many lines the victim has logged so far, stack-trace lines included. */
    long logLines() {
        return countLines(log);
    }

    /** The victim's log lines from {@code from} on (0-based), at most {@code max}. */
    List<String> logSample(long from, int max) {
        if (!Files.exists(log)) {
            return List.of();
        }
        try (Stream<String> lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
            return lines.skip(from).limit(max).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the JVM wrote besides its answers (stderr, and stdout such as its out-of-memory exit). */
    String stderr() {
        String other = String.join(" | ", otherOutput);
        try {
            return (Files.exists(stderr) ? Files.readString(stderr, StandardCharsets.ISO_8859_1).strip() : "") + " " + other;
        } catch (IOException e) {
            return other;
        }
    }

    private static long countLines(Path file) {
        if (!Files.exists(file)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
            return lines.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            ask("quit", "BYE");
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Memory the victim held after a GC, in bytes. */
    record Memory(long heap, long direct) {
        @Override
        public String toString() {
            return "heap " + mib(heap) + " MiB, direct " + mib(direct) + " MiB";
        }

        static String mib(long bytes) {
            return String.format(Locale.ROOT, "%.1f", bytes / (1024.0 * 1024));
        }
    }
}
