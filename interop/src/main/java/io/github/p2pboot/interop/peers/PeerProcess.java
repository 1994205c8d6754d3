package io.github.p2pboot.interop.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real libp2p node of another implementation running as a separate process, for
 * interoperability tests: js-libp2p ({@code interop/peer.mjs}), go-libp2p ({@code interop/go}) or
 * rust-libp2p ({@code interop/rust}). All three speak one command protocol, JSON lines over the
 * process's stdin and stdout, and take the same command-line options; each listens on loopback
 * only, and its log (stderr) goes to a file named in every failure.
 *
 * <p>Multiaddrs and peer ids are plain strings here, so that this harness does not depend on the
 * engine it tests.
 */
public class PeerProcess implements AutoCloseable {

    /** The implementations there is a peer of, with where its program is and how to build it. */
    public enum Implementation {
        JS("js-libp2p", "./mvnw -pl interop generate-resources (or npm ci in interop/)"),
        GO("go-libp2p", "bash interop/go/build-go-peer.sh (needs Go on the PATH)"),
        RUST("rust-libp2p", "bash interop/rust/build-rust-peer.sh (needs cargo on the PATH)");

        private final String displayName;
        private final String buildHint;

        Implementation(String displayName, String buildHint) {
            this.displayName = displayName;
            this.buildHint = buildHint;
        }

        /** {@code js-libp2p}, {@code go-libp2p} or {@code rust-libp2p}. */
        public String displayName() {
            return displayName;
        }
    }


    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    /** How long a test waits for the background build of the go or rust peer (a cold cargo build on 2 cores: minutes). */
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(20);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Process process;
    private final Path logFile;
    private final Writer stdin;
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final CompletableFuture<JsonNode> ready = new CompletableFuture<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final Thread shutdownHook;

    private final Implementation implementation;

    PeerProcess(Implementation implementation, Process process, Path logFile) {
        this.implementation = implementation;
        this.process = process;
        this.logFile = logFile;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readStdout, implementation.name().toLowerCase(java.util.Locale.ROOT) + "-peer-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        shutdownHook = new Thread(() -> process.destroyForcibly());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Options for {@link #start(Options)}; every one has a default. */
    public static final class Options {
        private String seedHex;
        private int quicPort;
        private int tcpPort;
        private boolean tcp = true;
        private boolean kad;
        private String kadProtocol;
        private Duration quicIdleTimeout;
        private Duration quicKeepAlive;
        private final List<String> extraArgs = new ArrayList<>();

        /** A fixed Ed25519 identity: 64 hex characters, the private key's seed (as js-libp2p's generateKeyPairFromSeed takes). */
        public Options seedHex(String seedHex) {
            this.seedHex = seedHex;
            return this;
        }

        public Options quicPort(int quicPort) {
            this.quicPort = quicPort;
            return this;
        }

        public Options tcpPort(int tcpPort) {
            this.tcpPort = tcpPort;
            return this;
        }

        public Options tcp(boolean tcp) {
            this.tcp = tcp;
            return this;
        }

        /** Runs the node's Kademlia DHT in server mode (loopback peers allowed, namespace {@code test} valid). */
        public Options kad(boolean kad) {
            this.kad = kad;
            return this;
        }

        public Options kadProtocol(String kadProtocol) {
            this.kadProtocol = kadProtocol;
            return this;
        }

        /** The QUIC max idle timeout (@chainsafe/libp2p-quic's {@code maxIdleTimeout}); 10 s if not set. */
        public Options quicIdleTimeout(Duration quicIdleTimeout) {
            this.quicIdleTimeout = quicIdleTimeout;
            return this;
        }

        /** The QUIC keep-alive interval (@chainsafe/libp2p-quic's {@code keepAliveInterval}); 5 s if not set. */
        public Options quicKeepAlive(Duration quicKeepAlive) {
            this.quicKeepAlive = quicKeepAlive;
            return this;
        }

        public Options extraArg(String arg) {
            extraArgs.add(arg);
            return this;
        }
    }

    public static Options options() {
        return new Options();
    }

    /**
     * Why a peer of this implementation cannot run here (its program is not built, or the tool that
     * runs it is missing), or empty if it can. Tests use it as an assumption: a machine without Go
     * skips the go cells and says why.
     */
    public static java.util.Optional<String> unavailable(Implementation implementation) {
        Path dir;
        try {
            dir = interopDirectory();
        } catch (IllegalStateException e) {
            return java.util.Optional.of(e.getMessage());
        }
        if (implementation != Implementation.JS) {
            awaitBackgroundBuild(dir.resolve(implementation == Implementation.GO ? "go" : "rust").resolve("target/p2pboot-build.status"));
        }
        Path needed = switch (implementation) {
            case JS -> dir.resolve("node_modules");
            case GO -> goBinary(dir);
            case RUST -> rustBinary(dir);
        };
        if (Files.exists(needed)) {
            return java.util.Optional.empty();
        }
        String tool = switch (implementation) {
            case JS -> "node";
            case GO -> "go";
            case RUST -> "cargo";
        };
        String missingTool = onPath(tool) ? "" : " (" + tool + " is not on the PATH)";
        return java.util.Optional.of("the " + implementation.displayName + " peer is not built: " + needed + " is missing"
                + missingTool + "; build it with " + implementation.buildHint);
    }

    /**
     * The interop build runs the go and rust builds in the background (a cold cargo build takes
     * minutes); their script keeps {@code running <pid>}, then {@code ok} or {@code failed: ...}
     * in a status file. Waits while that pid is alive, at most {@link #BUILD_TIMEOUT}.
     *
     * @throws IllegalStateException if the build failed or did not end in time
     */
    private static void awaitBackgroundBuild(Path statusFile) {
        long deadline = System.nanoTime() + BUILD_TIMEOUT.toNanos();
        while (true) {
            String status;
            try {
                status = Files.exists(statusFile) ? Files.readString(statusFile).trim() : "";
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (status.startsWith("failed")) {
                throw new IllegalStateException("the interop peer's build " + status + " (" + statusFile + ")");
            }
            boolean running = status.startsWith("running ") && ProcessHandle.of(Long.parseLong(status.substring(8).trim()))
                    .map(ProcessHandle::isAlive).orElse(false);
            if (!running) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the interop peer's build did not end within " + BUILD_TIMEOUT.toMinutes()
                        + " minutes (" + statusFile + ")");
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for the interop peer's build", e);
            }
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String entry : path.split(java.io.File.pathSeparator)) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, tool))) {
                return true;
            }
        }
        return false;
    }

    private static Path goBinary(Path interopDir) {
        return interopDir.resolve("go/target/gopeer");
    }

    private static Path rustBinary(Path interopDir) {
        return interopDir.resolve("rust/target/debug/rustpeer");
    }

    /**
     * Starts a node of {@code implementation} and waits until it listens.
     *
     * @throws IllegalStateException if its program is not built or does not come up; the message
     *     says what to do or where its log is
     */
    public static PeerProcess start(Implementation implementation, Options options) {
        Path dir = interopDirectory();
        unavailable(implementation).ifPresent(reason -> {
            throw new IllegalStateException(reason);
        });
        List<String> command = new ArrayList<>(switch (implementation) {
            case JS -> List.of("node", "--import", "./polyfill.mjs", "peer.mjs");
            case GO -> List.of(goBinary(dir).toString());
            case RUST -> List.of(rustBinary(dir).toString());
        });
        command.addAll(List.of("--quic-port", Integer.toString(options.quicPort), "--tcp-port", Integer.toString(options.tcpPort)));
        if (options.seedHex != null) {
            command.addAll(List.of("--seed", options.seedHex));
        }
        if (!options.tcp) {
            command.add("--no-tcp");
        }
        if (options.kad) {
            command.add("--kad");
        }
        if (options.kadProtocol != null) {
            command.addAll(List.of("--kad-protocol", options.kadProtocol));
        }
        if (options.quicIdleTimeout != null) {
            command.addAll(List.of("--quic-idle-ms", Long.toString(options.quicIdleTimeout.toMillis())));
        }
        if (options.quicKeepAlive != null) {
            command.addAll(List.of("--quic-keepalive-ms", Long.toString(options.quicKeepAlive.toMillis())));
        }
        command.addAll(options.extraArgs);
        String name = implementation.name().toLowerCase(java.util.Locale.ROOT);
        Path logFile = logDirectory().resolve(name + "-peer-" + ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet() + ".log");
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectError(ProcessBuilder.Redirect.to(logFile.toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the " + implementation.displayName + " peer: " + e.getMessage(), e);
        }
        PeerProcess peer = implementation == Implementation.JS ? new JsPeer(process, logFile) : new PeerProcess(implementation, process, logFile);
        peer.awaitReady();
        return peer;
    }

    void awaitReady() {
        try {
            ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("the " + implementation.displayName + " peer did not start within "
                    + START_TIMEOUT.toSeconds() + " s; see " + logFile, e);
        }
    }

    public Implementation implementation() {
        return implementation;
    }

    private static Path interopDirectory() {
        String configured = System.getProperty("p2pboot.interop.dir");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("interop/peer.mjs"))) {
                return dir.resolve("interop");
            }
            if (Files.exists(dir.resolve("peer.mjs"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find interop/peer.mjs above " + Path.of("").toAbsolutePath()
                + "; set the system property p2pboot.interop.dir");
    }

    private static Path logDirectory() {
        Path dir = Path.of("target");
        try {
            Files.createDirectories(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void readStdout() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                JsonNode message;
                try {
                    message = JSON.readTree(line);
                } catch (RuntimeException e) {
                    continue;
                }
                if (message.has("event")) {
                    if ("ready".equals(message.get("event").asString())) {
                        ready.complete(message);
                    }
                    events.add(message);
                } else if (message.has("id") && !message.get("id").isNull()) {
                    CompletableFuture<JsonNode> reply = pending.remove(message.get("id").asInt());
                    if (reply != null) {
                        reply.complete(message);
                    }
                }
            }
        } catch (IOException ignored) {
            // The process ended.
        } finally {
            IllegalStateException gone = new IllegalStateException("the " + implementation.displayName + " peer exited; see " + logFile);
            ready.completeExceptionally(gone);
            pending.values().forEach(f -> f.completeExceptionally(gone));
        }
    }

    public String peerId() {
        return ready.join().get("peerId").asString();
    }

    /** Its listen addresses, each ending in {@code /p2p/<peerId>}. */
    public List<String> addresses() {
        List<String> addresses = new ArrayList<>();
        ready.join().get("addrs").forEach(a -> addresses.add(a.asString()));
        return addresses;
    }

    public String quicAddress() {
        return addresses().stream().filter(a -> a.contains("/quic-v1")).findFirst()
                .orElseThrow(() -> new IllegalStateException("the " + implementation.displayName + " peer has no QUIC address"));
    }

    public String tcpAddress() {
        return addresses().stream().filter(a -> a.contains("/tcp/")).findFirst()
                .orElseThrow(() -> new IllegalStateException("the " + implementation.displayName + " peer has no TCP address (started with tcp off?)"));
    }

    /**
     * When the node was listening, on the peer process's monotonic clock in nanoseconds. On Linux this
     * is the clock {@link System#nanoTime()} reads, so the two can be subtracted.
     */
    public long readyMonoNanos() {
        return Long.parseLong(ready.join().get("mono").asString());
    }

    /** The peer process's monotonic clock now, in nanoseconds (see {@link #readyMonoNanos()}). */
    public long clockMonoNanos() {
        return Long.parseLong(call("clock", Map.of()).asString());
    }

    public Path logFile() {
        return logFile;
    }

    /**
     * Sends a command and returns its result.
     *
     * @throws PeerCommandException with the peer's error message if the command failed ({@link JsPeerException}
     *     from a js peer)
     */
    public JsonNode call(String cmd, Map<String, Object> args, Duration timeout) {
        int id = ids.incrementAndGet();
        Map<String, Object> request = new LinkedHashMap<>(args);
        request.put("id", id);
        request.put("cmd", cmd);
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            synchronized (stdin) {
                stdin.write(JSON.writeValueAsString(request) + "\n");
                stdin.flush();
            }
            JsonNode message = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!message.get("ok").asBoolean()) {
                String error = cmd + " failed on the " + implementation.displayName + " peer: " + message.get("error").asString();
                throw implementation == Implementation.JS ? new JsPeerException(error) : new PeerCommandException(error);
            }
            return message.get("result");
        } catch (IOException | ExecutionException e) {
            throw new IllegalStateException(cmd + ": the " + implementation.displayName + " peer is gone; see " + logFile, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException(cmd + ": no answer from the " + implementation.displayName + " peer within " + timeout.toSeconds() + " s; see " + logFile, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(cmd + " interrupted", e);
        } finally {
            pending.remove(id);
        }
    }

    private JsonNode call(String cmd, Map<String, Object> args) {
        return call(cmd, args, COMMAND_TIMEOUT);
    }

    /** Dials a multiaddr or a known peer id; returns the remote peer id. */
    public String dial(String addressOrPeer) {
        return call("dial", Map.of("addr", addressOrPeer)).get("peerId").asString();
    }

    public Duration ping(String addressOrPeer) {
        return Duration.ofMillis(call("ping", Map.of("addr", addressOrPeer)).asLong());
    }

    public void hangUp(String peerId) {
        call("hangUp", Map.of("peerId", peerId));
    }

    /**
     * The outcome of {@link #reach}: times are the peer process's monotonic clock in nanoseconds.
     *
     * @param doneMonoNanos when the first ping succeeded; -1 if none did
     * @param lastError the last failed attempt's error, or null
     */
    public record Reach(boolean reached, long startMonoNanos, long doneMonoNanos, int attempts, String lastError) {
    }

    /**
     * Pings {@code addressOrPeer} every {@code interval}, attempts overlapping (each given
     * {@code attemptTimeout}, and enough of them at once that a new one starts every interval even
     * while earlier ones hang), until one succeeds or {@code deadline} passes. Blocks until then;
     * the times are measured inside the peer process.
     */
    public Reach reach(String addressOrPeer, Duration interval, Duration attemptTimeout, Duration deadline) {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put(addressOrPeer.startsWith("/") ? "addr" : "peerId", addressOrPeer);
        args.put("intervalMs", interval.toMillis());
        args.put("attemptTimeoutMs", attemptTimeout.toMillis());
        args.put("maxInFlight", attemptTimeout.toMillis() / Math.max(1, interval.toMillis()) + 4);
        args.put("deadlineMs", deadline.toMillis());
        args.put("timeoutMs", deadline.toMillis() + 5_000);
        JsonNode result = call("reach", args, deadline.plusSeconds(10));
        boolean reached = result.get("reached").asBoolean();
        return new Reach(reached, Long.parseLong(result.get("startMono").asString()),
                reached ? Long.parseLong(result.get("doneMono").asString()) : -1, result.get("attempts").asInt(),
                result.hasNonNull("lastError") ? result.get("lastError").asString() : null);
    }

    /** What the node's peer store (for go and rust: identify) knows of a peer. */
    public record PeerInfo(List<String> protocols, List<String> addresses) {
    }

    public PeerInfo peerInfo(String peerId) {
        JsonNode result = call("peerInfo", Map.of("peerId", peerId));
        return new PeerInfo(strings(result.get("protocols")), strings(result.get("addresses")));
    }

    /** Its open connections: {@code remotePeer}, {@code remoteAddr}, {@code direction}, {@code status}. */
    public List<JsonNode> connections() {
        List<JsonNode> connections = new ArrayList<>();
        call("connections", Map.of()).forEach(connections::add);
        return connections;
    }

    /** Opens a stream for {@code protocol}, writes {@code data}, closes its write side, returns all it reads back. */
    public byte[] echo(String addressOrPeer, String protocol, byte[] data) {
        return Base64.getDecoder().decode(call("echo", Map.of("addr", addressOrPeer, "protocol", protocol,
                "data", Base64.getEncoder().encodeToString(data))).asString());
    }

    public void kadPut(String key, byte[] value) {
        call("kadPut", Map.of("key", key, "value", Base64.getEncoder().encodeToString(value)));
    }

    public byte[] kadGet(String key) {
        return Base64.getDecoder().decode(call("kadGet", Map.of("key", key)).asString());
    }

    public List<String> kadFindPeer(String peerId) {
        return strings(call("kadFindPeer", Map.of("peerId", peerId)));
    }

    public List<String> kadClosestPeersToKey(String key) {
        return strings(call("kadClosestPeers", Map.of("key", key)));
    }

    public List<String> kadClosestPeersToPeer(String peerId) {
        return strings(call("kadClosestPeers", Map.of("peerId", peerId)));
    }

    public void kadProvide(String cid) {
        call("kadProvide", Map.of("cid", cid));
    }

    public List<String> kadFindProviders(String cid) {
        return strings(call("kadFindProviders", Map.of("cid", cid)));
    }

    public List<String> routingTable() {
        return strings(call("routingTable", Map.of()));
    }

    /**
     * Every event so far: {@code peer:connect}, {@code peer:disconnect}, {@code connection:close},
     * {@code peer:identify}, ...; each has {@code mono}, the peer process's monotonic clock in
     * nanoseconds as a decimal string.
     */
    public List<JsonNode> events() {
        return List.copyOf(events);
    }

    /** Waits for an event matching {@code condition}, including one that arrived before the call. */
    public JsonNode awaitEvent(Predicate<JsonNode> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode event : events) {
                if (condition.test(event)) {
                    return event;
                }
            }
            if (!process.isAlive()) {
                break;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new IllegalStateException("no matching event from the " + implementation.displayName + " peer within " + timeout.toSeconds() + " s; events: "
                + events + "; see " + logFile);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asString()));
        return values;
    }

    /** Stops the node gracefully (peers are told), killing it if it does not exit in time. */
    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                call("stop", Map.of(), Duration.ofSeconds(5));
            } catch (RuntimeException ignored) {
                // Killed below.
            }
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroy();
                    if (!process.waitFor(3, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
                    }
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

    /** Kills the node at once, without telling its peers: a crash, for outage tests. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return implementation.displayName + "[" + (ready.isDone() && !ready.isCompletedExceptionally() ? peerId() : "starting") + ", log " + logFile + "]";
    }
}
