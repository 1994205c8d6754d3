package io.github.p2pboot.interop;

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
 * A real js-libp2p node ({@code interop/peer.mjs}) running as a separate process, for
 * interoperability tests. It listens on loopback only; commands travel as JSON lines over its
 * stdin and stdout, and its log (stderr) goes to a file named in every failure.
 *
 * <p>Multiaddrs and peer ids are plain strings here, so that this harness does not depend on the
 * engine it tests.
 */
public final class JsPeer implements AutoCloseable {

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Process process;
    private final Path logFile;
    private final Writer stdin;
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final CompletableFuture<JsonNode> ready = new CompletableFuture<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final Thread shutdownHook;

    private JsPeer(Process process, Path logFile) {
        this.process = process;
        this.logFile = logFile;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readStdout, "js-peer-stdout-" + process.pid());
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

        /** A fixed Ed25519 identity: 64 hex characters, as js-libp2p's generateKeyPairFromSeed takes. */
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

        /** Runs js-libp2p's Kademlia DHT in server mode (loopback peers allowed, namespace {@code test} valid). */
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

    public static JsPeer start() {
        return start(options());
    }

    /**
     * Starts the node and waits until it listens.
     *
     * @throws IllegalStateException if Node.js or the npm packages are missing, or the node does not
     *     come up; the message says what to do or where its log is
     */
    public static JsPeer start(Options options) {
        Path dir = interopDirectory();
        if (!Files.isDirectory(dir.resolve("node_modules"))) {
            throw new IllegalStateException("the js peer's npm packages are not installed in " + dir
                    + ": run ./mvnw -pl interop generate-resources (or npm ci in that directory)");
        }
        List<String> command = new ArrayList<>(List.of("node", "--import", "./polyfill.mjs", "peer.mjs",
                "--quic-port", Integer.toString(options.quicPort), "--tcp-port", Integer.toString(options.tcpPort)));
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
        Path logFile = logDirectory().resolve("js-peer-" + ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet() + ".log");
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectError(ProcessBuilder.Redirect.to(logFile.toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the js peer (is Node.js 20+ on the PATH?): " + e.getMessage(), e);
        }
        JsPeer peer = new JsPeer(process, logFile);
        try {
            peer.ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            peer.close();
            throw new IllegalStateException("the js peer did not start within " + START_TIMEOUT.toSeconds() + " s; see " + logFile, e);
        }
        return peer;
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
            IllegalStateException gone = new IllegalStateException("the js peer exited; see " + logFile);
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
                .orElseThrow(() -> new IllegalStateException("the js peer has no QUIC address"));
    }

    public String tcpAddress() {
        return addresses().stream().filter(a -> a.contains("/tcp/")).findFirst()
                .orElseThrow(() -> new IllegalStateException("the js peer has no TCP address (started with tcp off?)"));
    }

    /**
     * When the node was listening, on the js process's monotonic clock in nanoseconds. On Linux this
     * is the clock {@link System#nanoTime()} reads, so the two can be subtracted.
     */
    public long readyMonoNanos() {
        return Long.parseLong(ready.join().get("mono").asString());
    }

    /** The js process's monotonic clock now, in nanoseconds (see {@link #readyMonoNanos()}). */
    public long clockMonoNanos() {
        return Long.parseLong(call("clock", Map.of()).asString());
    }

    public Path logFile() {
        return logFile;
    }

    /**
     * Sends a command and returns its result.
     *
     * @throws JsPeerException with the js side's error message if the command failed
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
                throw new JsPeerException(cmd + " failed on the js peer: " + message.get("error").asString());
            }
            return message.get("result");
        } catch (IOException | ExecutionException e) {
            throw new IllegalStateException(cmd + ": the js peer is gone; see " + logFile, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException(cmd + ": no answer from the js peer within " + timeout.toSeconds() + " s; see " + logFile, e);
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
     * The outcome of {@link #reach}: times are the js process's monotonic clock in nanoseconds.
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
     * the times are measured inside the js process.
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

    /**
     * One perf exchange run by the js node as the client ({@code /perf/1.0.0}; the js node serves
     * it only when started with the extra argument {@code --perf}).
     *
     * @param millis from opening the stream to its end, timed inside the js process
     */
    public record PerfRun(double millis, long uploaded, long downloaded) {
    }

    /** Uploads {@code upload} bytes to the perf server at {@code addressOrPeer}, then downloads {@code download} bytes. */
    public PerfRun perf(String addressOrPeer, long upload, long download, Duration timeout) {
        JsonNode result = call("perf", Map.of(addressOrPeer.startsWith("/") ? "addr" : "peerId", addressOrPeer,
                "upload", upload, "download", download, "timeoutMs", timeout.toMillis()), timeout.plusSeconds(5));
        return new PerfRun(result.get("ms").asDouble(), result.get("uploaded").asLong(), result.get("downloaded").asLong());
    }

    /** What the js node's peer store knows of a peer. */
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
     * {@code peer:identify}, ...; each has {@code mono}, the js process's monotonic clock in
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
        throw new IllegalStateException("no matching event from the js peer within " + timeout.toSeconds() + " s; events: "
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
        return "JsPeer[" + (ready.isDone() && !ready.isCompletedExceptionally() ? peerId() : "starting") + ", log " + logFile + "]";
    }
}
