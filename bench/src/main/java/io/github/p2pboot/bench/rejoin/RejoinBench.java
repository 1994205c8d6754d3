package io.github.p2pboot.bench.rejoin;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.interop.peers.JsPeer;
import io.github.p2pboot.interop.peers.PeerProcess;
import io.github.p2pboot.keeper.PeerKeeper;
import io.github.p2pboot.keeper.PeerKeeperConfig;
import io.github.p2pboot.keeper.PeerKeeperListener;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.swarm.CloseCause;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The rejoin benchmark (issue 8): how long nodes take to work together again after one of them
 * restarts (killed with SIGKILL, started again at once on the same ports with the same identity)
 * or vanishes for good, for js-libp2p and for our engine, on loopback.
 *
 * <p>Run from the repository root:
 * <pre>
 * ./mvnw -q install -DskipTests &amp;&amp; ./mvnw -q -f bench/pom.xml compile exec:java \
 *     -Dbench=io.github.p2pboot.bench.rejoin.RejoinBench -Dexec.args="--restarts 20"
 * </pre>
 * Options: {@code --restarts N} (20), {@code --case a,c} (a–i, and k, l, m: (c) with a rust-libp2p
 * node set up as the seed's, (e) with one, and (e) with a go-libp2p node; case (j), the lossy path, takes
 * twice {@code --lossy-minutes N} (10) and runs only when named: {@code --case j}), {@code --poll dial|observe}
 * (dial), {@code --keepalive-ms N} and {@code --idle-ms N} for our nodes (the engine's defaults),
 * {@code --deadline-ms N} (30000), {@code --idle-seconds N} for the keep-alive count (10; 0 skips
 * it), {@code --settle-ms N} (500), {@code --out FILE} (also writes the markdown there).
 *
 * <h2>Clocks</h2>
 * Every time is a CLOCK_MONOTONIC reading in nanoseconds: System.nanoTime() in each JVM and
 * process.hrtime.bigint() in each Node.js process read that one system-wide clock on Linux, so
 * times taken in different processes on this machine subtract directly, free of wall-clock steps
 * and of the stdin/stdout round trips that carry them. The bench checks this at start (a js
 * reading must fall between two of the bench's) and stops if it does not hold.
 */
public final class RejoinBench {

    private static final Duration POLL_INTERVAL = Duration.ofMillis(20);
    /** A js reach attempt's own timeout; attempts overlap, so this bounds only how many hang at once. */
    private static final Duration JS_ATTEMPT_TIMEOUT = Duration.ofMillis(1000);
    private static final Duration JS_DEFAULT_KEEP_ALIVE = Duration.ofSeconds(5);
    private static final Duration SEED_IDLE = Duration.ofMillis(300);
    private static final Duration SEED_KEEP_ALIVE = Duration.ofMillis(100);
    /**
     * In (f) and (i), in how many runs the bench waits for the keeper's first redial to fail: a dial
     * to a dead QUIC port fails only at the handshake timeout, so waiting in every run would add
     * that much to each.
     */
    private static final int KEEPER_REDIAL_RUNS = 3;
    /** Where the bench nodes keep their peer store files: one per node name, fresh for each case. */
    static final Path PEER_STORES = Path.of("target", "rejoin-peer-stores-" + ProcessHandle.current().pid());

    private final Options options;
    private final Random random = new Random();
    private final ExecutorService background = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "rejoin-bench");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, String> trafficByPair = new LinkedHashMap<>();

    private RejoinBench(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        RejoinBench bench = new RejoinBench(options);
        int status = 0;
        try {
            bench.run();
        } catch (Exception e) {
            e.printStackTrace();
            status = 1;
        } finally {
            bench.background.shutdownNow();
        }
        System.exit(status);
    }

    // ---- the run -----------------------------------------------------------------------------

    private void run() throws Exception {
        String facts = MachineFacts.describe(options, ourDefaults());
        System.out.println(facts);
        checkClocks();
        List<CaseResult> results = new ArrayList<>();
        for (char id : options.cases.toCharArray()) {
            System.out.printf("%n== case (%s) ==%n", id);
            try {
                results.add(switch (id) {
                    case 'a' -> jsPeerRestartsForJs("a", false);
                    case 'b' -> jsPeerRestartsForJs("b", true);
                    case 'c' -> jsPeerRestartsForUs("c", PeerProcess.Implementation.JS);
                    case 'k' -> jsPeerRestartsForUs("k", PeerProcess.Implementation.RUST);
                    case 'd' -> ourPeerRestartsForUs();
                    case 'e' -> weRestartForJs("e", PeerProcess.Implementation.JS);
                    case 'l' -> weRestartForJs("l", PeerProcess.Implementation.RUST);
                    case 'm' -> weRestartForJs("m", PeerProcess.Implementation.GO);
                    case 'f' -> jsPeerGoneForGood("f", false);
                    case 'i' -> jsPeerGoneForGood("i", true);
                    case 'g', 'h' -> KademliaRejoin.run(String.valueOf(id), id == 'h', options);
                    case 'j' -> LossyPath.run(options);
                    default -> throw new IllegalArgumentException("unknown case " + id);
                });
            } catch (Exception e) {
                System.out.println("case (" + id + ") failed: " + e);
                e.printStackTrace(System.out);
                results.add(CaseResult.failed(String.valueOf(id), e));
            }
        }
        String markdown = facts + "\n" + MachineFacts.loadLine("at the end") + "\n\n" + CaseResult.table(results, options);
        System.out.println();
        System.out.println(markdown);
        if (options.out != null) {
            Files.writeString(options.out, markdown);
            System.out.println("written to " + options.out.toAbsolutePath());
        }
    }

    /** Fails unless a js process's and a bench node JVM's clocks fall between two of ours. */
    private void checkClocks() throws Exception {
        try (JsPeer js = JsPeer.start(JsPeer.options().tcp(false))) {
            long before = System.nanoTime();
            long theirs = js.clockMonoNanos();
            long after = System.nanoTime();
            if (theirs < before || theirs > after) {
                throw new IllegalStateException("the js process's monotonic clock (" + theirs + ") is not between two readings of ours ("
                        + before + ", " + after + "): times across processes cannot be compared on this machine");
            }
            System.out.printf("clock check: js hrtime within our nanoTime bracket of %.2f ms%n", (after - before) / 1e6);
        }
        try (BenchNodeProcess node = BenchNodeProcess.start(List.of("--seed", OurNodes.seedHex("clock"),
                "--quic-port", "0", "--tcp-port", "0"))) {
            long received = System.nanoTime();
            if (node.startedNanos() < node.launchedNanos() || node.startedNanos() > received) {
                throw new IllegalStateException("a bench node JVM's System.nanoTime() is not between its launch and its report");
            }
            System.out.printf("clock check: bench node JVM started %.0f ms after launch (JVM start-up and Swarm start)%n",
                    (node.startedNanos() - node.launchedNanos()) / 1e6);
        }
    }

    // ---- (a), (b): js-libp2p among itself ------------------------------------------------------

    private CaseResult jsPeerRestartsForJs(String id, boolean seedTimers) throws Exception {
        Duration idle = seedTimers ? SEED_IDLE : null;
        Duration keepAlive = seedTimers ? SEED_KEEP_ALIVE : null;
        CaseResult result = new CaseResult(id, seedTimers
                ? "js ↔ js, js QUIC at 300 ms idle / 100 ms keep-alive: B restarts"
                : "js ↔ js, js at its defaults: B restarts",
                "B listening again → A's ping to B succeeds");
        JsPeer.Options bOptions = jsOptions(OurNodes.seedHex("js-b-" + id), idle, keepAlive);
        JsPeer a = null;
        JsPeer b = null;
        try {
            a = JsPeer.start(jsOptions(null, idle, keepAlive));
            b = JsPeer.start(bOptions);
            a.dial(b.quicAddress());
            String bId = b.peerId();
            for (int run = 1; run <= options.restarts; run++) {
                pause(seedTimers ? SEED_KEEP_ALIVE : JS_DEFAULT_KEEP_ALIVE);
                JsPeer dialer = a;
                CompletableFuture<JsPeer.Reach> reach = async(() -> dialer.reach(bId, POLL_INTERVAL, JS_ATTEMPT_TIMEOUT, options.deadline));
                long killed = System.nanoTime();
                b.kill();
                b.close();
                b = JsPeer.start(bOptions);
                JsPeer.Reach r = reach.get(options.deadline.toSeconds() + 20, TimeUnit.SECONDS);
                long noticed = firstJsClose(a, bId, killed);
                result.record(run, r.reached(), r.doneMonoNanos() - b.readyMonoNanos(), b.readyMonoNanos() - killed,
                        noticed < 0 ? -1 : noticed - killed, r.startMonoNanos() < b.readyMonoNanos(), r.reached() ? null : r.lastError());
            }
            result.traffic = traffic(seedTimers ? "js→js (300/100)" : "js→js (defaults)", () -> jsToJsTraffic(idle, keepAlive));
        } finally {
            closeQuietly(a);
            closeQuietly(b);
        }
        return result;
    }

    // ---- (c): our node, a js bootstrap peer restarts ------------------------------------------

    /**
     * (c) with a js peer; (k) with a rust-libp2p node set up as the seed's (QUIC idle 300 ms,
     * keep-alive 100 ms, Kademlia query timeout 30 s, replication 4, bootstrapping from our node).
     */
    private CaseResult jsPeerRestartsForUs(String id, PeerProcess.Implementation implementation) throws Exception {
        String name = implementation.name().toLowerCase(Locale.ROOT);
        CaseResult result = new CaseResult(id, "ours → " + (implementation == PeerProcess.Implementation.JS ? "js"
                        : implementation.displayName() + " (the seed's settings)") + " bootstrap peer: it restarts",
                name + " listening again → our ping to it succeeds (" + options.poll.name().toLowerCase(Locale.ROOT) + ")");
        Swarm ours = null;
        PeerProcess js = null;
        PeerKeeper keeper = null;
        try {
            ours = startOurs();
            ConnectionLog log = new ConnectionLog();
            ours.addListener(log);
            PeerProcess.Options jsOptions = implementation == PeerProcess.Implementation.JS
                    ? jsOptions(OurNodes.seedHex("js-c"), null, null)
                    : seedNodeOptions(OurNodes.seedHex(name + "-" + id), FreePorts.udp(),
                            ours.listenAddresses().get(0).withPeerId(ours.localPeerId()).toString());
            js = PeerProcess.start(implementation, jsOptions);
            PeerId jsPeer = PeerId.parse(js.peerId());
            ours.dial(Multiaddr.parse(js.quicAddress())).get(20, TimeUnit.SECONDS);
            // As the starter runs it: the js peer is our bootstrap peer, kept by a peer keeper.
            keeper = keeper(ours, List.of(js.quicAddress()));
            for (int run = 1; run <= options.restarts; run++) {
                pause(ours.config().quic().liveness().interval());
                Set<String> before = connectionIds(ours, jsPeer);
                result.countTransports(ours, before);
                PingPoll poll = PingPoll.start(ours, jsPeer, options.poll, POLL_INTERVAL, options.deadline);
                long killed = System.nanoTime();
                js.kill();
                js.close();
                js = PeerProcess.start(implementation, jsOptions);
                PingPoll.Result r = poll.result().get(options.deadline.toSeconds() + 10, TimeUnit.SECONDS);
                long noticed = log.firstClosed(before).map(c -> c.nanos() - killed).orElse(-1L);
                log.firstClosed(before).ifPresent(c -> result.countCause(c.cause()));
                result.record(run, r.reached(), r.reachedNanos() - js.readyMonoNanos(), js.readyMonoNanos() - killed, noticed, true,
                        r.reached() ? null : r.lastError());
            }
            if (implementation == PeerProcess.Implementation.JS) {
                result.traffic = traffic("ours→js", this::oursToJsTraffic);
            }
        } finally {
            closeQuietly(keeper);
            closeQuietly(js);
            closeQuietly(ours);
        }
        return result;
    }

    // ---- (d): our node, our own bootstrap node (another JVM) restarts -----------------------

    private CaseResult ourPeerRestartsForUs() throws Exception {
        CaseResult result = new CaseResult("d", "ours → our bootstrap node (own JVM): it restarts",
                "its Swarm started → pings succeed both ways (survivor " + options.poll.name().toLowerCase(Locale.ROOT)
                        + ", restarted node observe)");
        Swarm survivor = null;
        BenchNodeProcess node = null;
        PeerKeeper keeper = null;
        try {
            survivor = startOurs();
            ConnectionLog log = new ConnectionLog();
            survivor.addListener(log);
            List<String> args = new ArrayList<>(nodeArgs("our-bootstrap"));
            args.addAll(List.of("--reach", survivor.localPeerId().toString(), "--reach-mode", "observe",
                    "--deadline-ms", Long.toString(options.deadline.toMillis())));
            node = BenchNodeProcess.start(args);
            PeerId nodePeer = PeerId.parse(node.peerId());
            survivor.dial(Multiaddr.parse(node.quicAddress())).get(20, TimeUnit.SECONDS);
            // The restarted node is the survivor's bootstrap peer, kept as the starter keeps it.
            keeper = keeper(survivor, List.of(node.quicAddress(), node.tcpAddress()));
            node.awaitAny(List.of("reached", "unreached"), options.deadline.plusSeconds(10));
            awaitPeerStoreFile(args);
            Samples survivorSide = new Samples();
            Samples restartedSide = new Samples();
            for (int run = 1; run <= options.restarts; run++) {
                pause(survivor.config().quic().liveness().interval());
                Set<String> before = connectionIds(survivor, nodePeer);
                result.countTransports(survivor, before);
                PingPoll poll = PingPoll.start(survivor, nodePeer, options.poll, POLL_INTERVAL, options.deadline);
                long killed = System.nanoTime();
                node.kill();
                node.close();
                node = BenchNodeProcess.start(args);
                long started = node.startedNanos();
                PingPoll.Result ourSide = poll.result().get(options.deadline.toSeconds() + 10, TimeUnit.SECONDS);
                String theirLine = node.awaitAny(List.of("reached", "unreached"), options.deadline.plusSeconds(10));
                boolean theyReached = theirLine.startsWith("reached ");
                long theirs = theyReached ? Long.parseLong(theirLine.split(" ")[1]) : -1;
                long noticed = log.firstClosed(before).map(c -> c.nanos() - killed).orElse(-1L);
                log.firstClosed(before).ifPresent(c -> result.countCause(c.cause()));
                if (ourSide.reached()) {
                    survivorSide.addNanos(ourSide.reachedNanos() - started);
                }
                if (theyReached) {
                    restartedSide.addNanos(theirs - started);
                }
                boolean both = ourSide.reached() && theyReached;
                result.record(run, both, Math.max(ourSide.reachedNanos(), theirs) - started, started - killed, noticed, true,
                        both ? null : "survivor: " + ourSide.lastError() + "; restarted node: " + theirLine);
            }
            result.notes.add("survivor's ping succeeds (p50 / p95 / max): " + survivorSide.summary()
                    + "; the restarted node's: " + restartedSide.summary());
            result.traffic = traffic("ours→ours", this::oursToOursTraffic);
        } finally {
            closeQuietly(keeper);
            closeQuietly(node);
            closeQuietly(survivor);
        }
        return result;
    }

    // ---- (e): our node restarts; js peers had dialled it ------------------------------------

    /**
     * (e) with a js peer; (l) with a rust-libp2p node set up as the seed's, bootstrapping from our
     * node; (m) with a go-libp2p node (its own QUIC timers: go-libp2p exposes none).
     */
    private CaseResult weRestartForJs(String id, PeerProcess.Implementation implementation) throws Exception {
        String name = implementation.name().toLowerCase(Locale.ROOT);
        CaseResult result = new CaseResult(id, name + (implementation == PeerProcess.Implementation.RUST ? " (the seed's settings)" : "")
                        + " → ours (own JVM, no bootstrap peers): ours restarts",
                "our Swarm started → the " + name + " peer's ping succeeds (" + name + " reach loop)");
        BenchNodeProcess node = null;
        PeerProcess js = null;
        try {
            List<String> args = nodeArgs("our-restarting");
            node = BenchNodeProcess.start(args);
            if (implementation == PeerProcess.Implementation.RUST) {
                js = PeerProcess.start(implementation, seedNodeOptions(null, 0, node.quicAddress()));
                PeerProcess rust = js;
                String nodeId = node.peerId();
                awaitCondition(() -> rust.connections().stream().anyMatch(c -> nodeId.equals(c.get("remotePeer").asString())),
                        Duration.ofSeconds(30), "the rust node's bootstrap dial to our node");
            } else {
                js = PeerProcess.start(implementation, jsOptions(null, null, null));
                js.dial(node.quicAddress());
            }
            String nodePeer = node.peerId();
            awaitPeerStoreFile(args);
            for (int run = 1; run <= options.restarts; run++) {
                pause(JS_DEFAULT_KEEP_ALIVE);
                PeerProcess dialer = js;
                CompletableFuture<PeerProcess.Reach> reach = async(() -> dialer.reach(nodePeer, POLL_INTERVAL, JS_ATTEMPT_TIMEOUT, options.deadline));
                long killed = System.nanoTime();
                node.kill();
                node.close();
                node = BenchNodeProcess.start(args);
                long started = node.startedNanos();
                PeerProcess.Reach r = reach.get(options.deadline.toSeconds() + 20, TimeUnit.SECONDS);
                long noticed = firstJsClose(js, nodePeer, killed);
                result.record(run, r.reached(), r.doneMonoNanos() - started, started - killed, noticed < 0 ? -1 : noticed - killed,
                        r.startMonoNanos() < started, r.reached() ? null : r.lastError());
            }
            if (implementation == PeerProcess.Implementation.JS) {
                result.traffic = traffic("js→ours", this::jsToOursTraffic);
            }
        } finally {
            closeQuietly(js);
            closeQuietly(node);
        }
        return result;
    }

    // ---- (f): a js peer gone for good --------------------------------------------------------

    /**
     * (f) the connection stays idle after the kill; (i) our node sends a request (a ping) on it
     * right after the kill, which the engine may take as the sign that the peer is gone.
     */
    private CaseResult jsPeerGoneForGood(String id, boolean request) throws Exception {
        CaseResult result = new CaseResult(id, request
                ? "ours → js peer: js killed, not restarted, a request sent right after"
                : "ours → js peer: js killed, not restarted",
                "kill → our node closes the connection");
        Samples requestFailed = new Samples();
        Samples keeperRedialFailed = new Samples();
        Map<String, Integer> keeperFailures = new TreeMap<>();
        result.timedIsNoticed = true;
        Swarm ours = null;
        try {
            ours = startOurs();
            ConnectionLog log = new ConnectionLog();
            ours.addListener(log);
            for (int run = 1; run <= options.restarts; run++) {
                JsPeer js = JsPeer.start(jsOptions(null, null, null));
                PeerKeeper keeper = null;
                try {
                    PeerId jsPeer = PeerId.parse(js.peerId());
                    ours.dial(Multiaddr.parse(js.quicAddress())).get(20, TimeUnit.SECONDS);
                    // The js peer is kept as a bootstrap peer would be: the keeper's reaction to
                    // the loss (its first redial, which must fail) is reported beside the close.
                    keeper = keeper(ours, List.of(js.quicAddress()));
                    CompletableFuture<Long> firstRedialFailed = new CompletableFuture<>();
                    keeper.addListener(new PeerKeeperListener() {
                        @Override
                        public void keptPeerDialFailed(PeerId peer, Throwable error, int failures, Optional<Duration> retryIn) {
                            if (firstRedialFailed.complete(System.nanoTime())) {
                                keeperFailures.merge(shortError(error), 1, Integer::sum);
                            }
                        }
                    });
                    pause(ours.config().quic().liveness().interval());
                    Set<String> before = connectionIds(ours, jsPeer);
                    result.countTransports(ours, before);
                    long killed = System.nanoTime();
                    js.kill();
                    if (request) {
                        Connection connection = ours.connection(jsPeer);
                        if (connection != null) {
                            Ping.ping(connection).whenComplete((rtt, error) -> {
                                if (error != null) {
                                    requestFailed.addNanos(System.nanoTime() - killed);
                                }
                            });
                        }
                    }
                    long deadline = killed + options.deadline.toNanos();
                    Optional<ConnectionLog.Closed> closed = Optional.empty();
                    while (closed.isEmpty() && System.nanoTime() - deadline < 0) {
                        Thread.sleep(5);
                        closed = log.firstClosed(before);
                    }
                    closed.ifPresent(c -> result.countCause(c.cause()));
                    long noticed = closed.map(c -> c.nanos() - killed).orElse(-1L);
                    result.record(run, closed.isPresent(), noticed, 0, noticed, true, closed.isPresent() ? null : "still open");
                    if (closed.isPresent() && run <= KEEPER_REDIAL_RUNS) {
                        try {
                            keeperRedialFailed.addNanos(firstRedialFailed.get(20, TimeUnit.SECONDS) - killed);
                        } catch (java.util.concurrent.TimeoutException e) {
                            keeperFailures.merge("no failed redial within 20 s of the close", 1, Integer::sum);
                        }
                    }
                } finally {
                    closeQuietly(keeper);
                    closeQuietly(js);
                }
            }
            result.traffic = traffic("ours→js", this::oursToJsTraffic);
            result.notes.add("the keeper's first redial of the lost peer failed, after the kill (p50 / p95 / max): "
                    + keeperRedialFailed.summary() + " (waited for in the first " + Math.min(KEEPER_REDIAL_RUNS, result.runs)
                    + " runs, got " + keeperRedialFailed.count() + "); errors: " + keeperFailures);
            if (request) {
                result.notes.add("the request failed, after the kill (p50 / p95 / max): " + requestFailed.summary()
                        + " (" + requestFailed.count() + " of " + result.runs + " runs)");
            }
        } finally {
            closeQuietly(ours);
        }
        return result;
    }

    // ---- keep-alive traffic on an idle connection ------------------------------------------

    /** Datagrams per second each way between a dialer and a listener, through a counting relay. */
    private String traffic(String pair, TrafficMeasurement measurement) {
        if (options.idleSeconds <= 0) {
            return "not measured";
        }
        return trafficByPair.computeIfAbsent(pair, p -> {
            try {
                System.out.printf("counting datagrams on an idle %s connection for %d s%n", p, options.idleSeconds);
                return measurement.measure();
            } catch (Exception e) {
                return "failed: " + e.getMessage();
            }
        });
    }

    @FunctionalInterface
    private interface TrafficMeasurement {
        String measure() throws Exception;
    }

    /** Lets the new connection settle (identify, its first pings), then counts for the idle window. */
    private String countIdle(CountingUdpRelay relay, Supplier<Boolean> stillConnected) throws InterruptedException {
        Thread.sleep(2000);
        relay.resetCounts();
        Thread.sleep(options.idleSeconds * 1000L);
        double toListener = relay.toTarget() / (double) options.idleSeconds;
        double toDialer = relay.fromTarget() / (double) options.idleSeconds;
        return String.format(Locale.ROOT, "%.1f → / %.1f ←%s", toListener, toDialer, stillConnected.get() ? "" : " (connection lost!)");
    }

    private String oursToJsTraffic() throws Exception {
        try (JsPeer js = JsPeer.start(jsOptions(null, null, null)); Closer closer = new Closer()) {
            Swarm ours = closer.add(startOurs());
            CountingUdpRelay relay = closer.add(new CountingUdpRelay(port(js.quicAddress())));
            Connection connection = ours.dial(Multiaddr.parse("/ip4/127.0.0.1/udp/" + relay.port() + "/quic-v1/p2p/" + js.peerId()))
                    .get(20, TimeUnit.SECONDS);
            return countIdle(relay, connection::isOpen);
        }
    }

    private String oursToOursTraffic() throws Exception {
        try (Closer closer = new Closer()) {
            Swarm dialer = closer.add(startOurs());
            Swarm listener = closer.add(startOurs());
            int port = listener.listenAddresses().stream().filter(a -> a.toString().contains("/quic-v1")).findFirst()
                    .map(a -> port(a.toString())).orElseThrow();
            CountingUdpRelay relay = closer.add(new CountingUdpRelay(port));
            Connection connection = dialer.dial(Multiaddr.parse("/ip4/127.0.0.1/udp/" + relay.port() + "/quic-v1/p2p/" + listener.localPeerId()))
                    .get(20, TimeUnit.SECONDS);
            return countIdle(relay, connection::isOpen);
        }
    }

    private String jsToOursTraffic() throws Exception {
        try (JsPeer js = JsPeer.start(jsOptions(null, null, null)); Closer closer = new Closer()) {
            Swarm ours = closer.add(startOurs());
            int port = ours.listenAddresses().stream().filter(a -> a.toString().contains("/quic-v1")).findFirst()
                    .map(a -> port(a.toString())).orElseThrow();
            CountingUdpRelay relay = closer.add(new CountingUdpRelay(port));
            js.dial("/ip4/127.0.0.1/udp/" + relay.port() + "/quic-v1/p2p/" + ours.localPeerId());
            return countIdle(relay, () -> !ours.connections().isEmpty());
        }
    }

    private String jsToJsTraffic(Duration idle, Duration keepAlive) throws Exception {
        try (JsPeer a = JsPeer.start(jsOptions(null, idle, keepAlive)); JsPeer b = JsPeer.start(jsOptions(null, idle, keepAlive));
                Closer closer = new Closer()) {
            CountingUdpRelay relay = closer.add(new CountingUdpRelay(port(b.quicAddress())));
            a.dial("/ip4/127.0.0.1/udp/" + relay.port() + "/quic-v1/p2p/" + b.peerId());
            return countIdle(relay, () -> !a.connections().isEmpty());
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private SwarmConfig ourDefaults() {
        return OurNodes.config(PrivateKey.generateEd25519(), 0, 0, options.keepAlive, options.idle);
    }

    /** A peer keeper as the starter runs one: {@code bootstrap} its bootstrap peer's addresses, the engine's defaults. */
    private static PeerKeeper keeper(Swarm swarm, List<String> bootstrap) {
        PeerKeeper keeper = new PeerKeeper(swarm, PeerKeeperConfig.builder()
                .bootstrapPeers(bootstrap.stream().map(Multiaddr::parse).toList()).targetPeers(BenchNode.TARGET_PEERS).build());
        keeper.start();
        return keeper;
    }

    /**
     * Waits (bounded) until a bench node has written its peer store file: it writes a change after
     * a short delay, and a node killed before its first write would restart knowing nobody, which
     * an application that had been running a while would not.
     */
    private static void awaitPeerStoreFile(List<String> nodeArgs) throws InterruptedException {
        Path file = Path.of(nodeArgs.get(nodeArgs.indexOf("--peer-store") + 1));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!Files.exists(file)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the bench node did not write its peer store file " + file + " within 15 s");
            }
            Thread.sleep(20);
        }
    }

    /** An error's message without peer ids, addresses and connection ids, so that like errors count together. */
    private static String shortError(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String text = (cause.getClass().getSimpleName() + ": " + cause.getMessage())
                .replaceAll("12D3Koo[1-9A-HJ-NP-Za-km-z]+", "<peer>")
                .replaceAll("/ip[46]/[^ ,)]+", "<addr>")
                .replaceAll("QuicConnectionAddress\\{[^}]*\\}", "<quic>");
        return text.length() > 160 ? text.substring(0, 160) + "…" : text;
    }

    private Swarm startOurs() {
        return OurNodes.start(OurNodes.config(PrivateKey.generateEd25519(), 0, 0, options.keepAlive, options.idle));
    }

    /** A restartable bench node's arguments: a fixed identity and fixed ports. */
    private List<String> nodeArgs(String name) {
        Path peerStore = PEER_STORES.resolve(name + ".peers");
        try {
            Files.deleteIfExists(peerStore);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        List<String> args = new ArrayList<>(List.of("--seed", OurNodes.seedHex(name),
                "--quic-port", Integer.toString(FreePorts.udp()), "--tcp-port", Integer.toString(FreePorts.tcp()),
                "--peer-store", peerStore.toAbsolutePath().toString()));
        if (options.keepAlive != null) {
            args.addAll(List.of("--keepalive-ms", Long.toString(options.keepAlive.toMillis())));
        }
        if (options.idle != null) {
            args.addAll(List.of("--idle-ms", Long.toString(options.idle.toMillis())));
        }
        return args;
    }

    /**
     * A js peer, QUIC only: the cases are about QUIC connections, which outlive their peer; a TCP
     * connection to a killed process is reset by the kernel at once, and js-libp2p would pick
     * either transport when it redials. With a seed, on a fixed free port so that it can come back
     * where it was.
     */
    private static JsPeer.Options jsOptions(String seedHex, Duration idle, Duration keepAlive) {
        JsPeer.Options js = JsPeer.options().tcp(false);
        if (seedHex != null) {
            js.seedHex(seedHex).quicPort(FreePorts.udp());
        }
        if (idle != null) {
            js.quicIdleTimeout(idle);
        }
        if (keepAlive != null) {
            js.quicKeepAlive(keepAlive);
        }
        return js;
    }

    /** The js peer's first {@code connection:close} for {@code peer} after {@code after}, or -1. */
    /** The seed's rust-libp2p settings (issue 12): QUIC 300/100 ms, Kademlia 30 s and 4, one bootstrap address. */
    private static PeerProcess.Options seedNodeOptions(String seedHex, int quicPort, String bootstrap) {
        PeerProcess.Options options = PeerProcess.options().tcp(false).kad(true).quicPort(quicPort)
                .quicIdleTimeout(SEED_IDLE).quicKeepAlive(SEED_KEEP_ALIVE)
                .extraArg("--kad-query-timeout-ms").extraArg("30000")
                .extraArg("--kad-replication").extraArg("4")
                .extraArg("--bootstrap").extraArg(bootstrap);
        return seedHex == null ? options : options.seedHex(seedHex);
    }

    private static void awaitCondition(java.util.function.BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " did not happen within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(20);
        }
    }

    private static long firstJsClose(PeerProcess js, String peer, long after) {
        return js.events().stream()
                .filter(e -> "connection:close".equals(e.get("event").asString()) && peer.equals(e.get("peerId").asString()))
                .mapToLong(e -> Long.parseLong(e.get("mono").asString()))
                .filter(mono -> mono > after)
                .min().orElse(-1);
    }

    private static Set<String> connectionIds(Swarm swarm, PeerId peer) {
        return swarm.connections(peer).stream().map(Connection::id).collect(Collectors.toSet());
    }

    /**
     * Waits before a kill: a fixed settle time plus a random part of {@code phase}, so that the kills
     * fall at every point of the keep-alive cycle rather than always at the same one.
     */
    private void pause(Duration phase) throws InterruptedException {
        Thread.sleep(options.settleMs + (long) (random.nextDouble() * phase.toMillis()));
    }

    private <T> CompletableFuture<T> async(Supplier<T> task) {
        return CompletableFuture.supplyAsync(task, background);
    }

    private static int port(String multiaddr) {
        String[] parts = multiaddr.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            if (parts[i].equals("udp") || parts[i].equals("tcp")) {
                return Integer.parseInt(parts[i + 1]);
            }
        }
        throw new IllegalArgumentException("no port in " + multiaddr);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            System.out.println("while closing " + closeable + ": " + e);
        }
    }

    /** Closes what was added, last first, whatever fails. */
    private static final class Closer implements AutoCloseable {
        private final List<AutoCloseable> closeables = new ArrayList<>();

        <T extends AutoCloseable> T add(T closeable) {
            closeables.add(0, closeable);
            return closeable;
        }

        @Override
        public void close() {
            closeables.forEach(RejoinBench::closeQuietly);
        }
    }

    // ---- options ---------------------------------------------------------------------------

    static final class Options {
        int restarts = 20;
        String cases = "abcdefghi";
        PingPoll.Mode poll = PingPoll.Mode.DIAL;
        Duration keepAlive;
        Duration idle;
        Duration deadline = Duration.ofSeconds(30);
        int idleSeconds = 10;
        long settleMs = 500;
        int lossyMinutes = 10;
        Path out;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--restarts" -> o.restarts = Integer.parseInt(value);
                    case "--case" -> o.cases = value.replace(",", "").toLowerCase(Locale.ROOT);
                    case "--poll" -> o.poll = PingPoll.Mode.valueOf(value.toUpperCase(Locale.ROOT));
                    case "--keepalive-ms" -> o.keepAlive = Duration.ofMillis(Long.parseLong(value));
                    case "--idle-ms" -> o.idle = Duration.ofMillis(Long.parseLong(value));
                    case "--deadline-ms" -> o.deadline = Duration.ofMillis(Long.parseLong(value));
                    case "--idle-seconds" -> o.idleSeconds = Integer.parseInt(value);
                    case "--settle-ms" -> o.settleMs = Long.parseLong(value);
                    case "--out" -> o.out = Path.of(value);
                    case "--lossy-minutes" -> o.lossyMinutes = Integer.parseInt(value);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + " (known: --restarts --case --poll --keepalive-ms --idle-ms --deadline-ms --idle-seconds --settle-ms --lossy-minutes --out)");
                }
                i++;
            }
            if (o.restarts < 1) {
                throw new IllegalArgumentException("--restarts must be at least 1");
            }
            return o;
        }
    }

    // ---- results ---------------------------------------------------------------------------

    /** One case's runs. */
    static final class CaseResult {
        final String id;
        final String title;
        final String timed;
        final Samples samples = new Samples();
        final Samples restartTook = new Samples();
        final Samples noticed = new Samples();
        final Map<String, Integer> closeCauses = new TreeMap<>();
        final Map<String, Integer> transports = new TreeMap<>();
        final Samples closedToReached = new Samples();
        final List<String> notes = new ArrayList<>();
        int runs;
        int unreached;
        int invalid;
        boolean timedIsNoticed;
        /** No connection is left behind by a kill (graceful restarts): the "old connection" column does not apply. */
        boolean noOldConnection;
        /** Many short runs (case j): no line per run. */
        boolean quiet;
        String traffic = "—";
        String failure;

        CaseResult(String id, String title, String timed) {
            this.id = id;
            this.title = title;
            this.timed = timed;
        }

        static CaseResult failed(String id, Exception e) {
            CaseResult result = new CaseResult(id, "(failed)", "—");
            result.failure = e.toString();
            return result;
        }

        void countCause(CloseCause cause) {
            closeCauses.merge(causeClass(cause), 1, Integer::sum);
        }

        /** The kind and the detail with its numbers masked, so that like causes count together. */
        static String causeClass(CloseCause cause) {
            String detail = cause.detail() == null ? "" : cause.detail().replaceAll("[0-9]+(\\.[0-9]+)?", "#");
            return cause.kind().name() + " \"" + (detail.length() > 80 ? detail.substring(0, 80) + "…" : detail) + "\"";
        }

        void countTransports(Swarm swarm, Set<String> connectionIds) {
            swarm.connections().stream().filter(c -> connectionIds.contains(c.id()))
                    .forEach(c -> transports.merge(c.transport(), 1, Integer::sum));
        }

        /**
         * @param timedNanos the case's measure (unused when not reached)
         * @param restartNanos kill → the restarted peer listening
         * @param noticedNanos kill → the survivor closed its old connection, -1 if it did not before success
         * @param valid false if the poll did not start before the restarted peer was up
         */
        void record(int run, boolean reached, long timedNanos, long restartNanos, long noticedNanos, boolean valid, String error) {
            runs++;
            if (!valid) {
                invalid++;
            }
            if (reached) {
                samples.addNanos(timedNanos);
            } else {
                unreached++;
            }
            if (restartNanos > 0) {
                restartTook.addNanos(restartNanos);
            }
            if (noticedNanos >= 0) {
                noticed.addNanos(noticedNanos);
                if (reached && !timedIsNoticed) {
                    closedToReached.addNanos(timedNanos + restartNanos - noticedNanos);
                }
            }
            if (quiet) {
                return;
            }
            System.out.printf("(%s) run %d: %s%s%s%s%n", id, run,
                    reached ? Samples.ms(timedNanos / 1e6) : "NOT within the deadline (" + error + ")",
                    restartNanos > 0 ? ", kill → restarted peer up " + Samples.ms(restartNanos / 1e6) : "",
                    noticedNanos >= 0 && !timedIsNoticed ? ", old connection closed " + Samples.ms(noticedNanos / 1e6) + " after the kill" : "",
                    valid ? "" : " (poll started late: run counted as invalid)");
        }

        static String table(List<CaseResult> results, Options options) {
            StringBuilder md = new StringBuilder();
            md.append("| case | timed | runs | p50 | p95 | max | not within the deadline | old connection closed, after the kill (p50 / p95 / max) | kill → peer listening again (p50) | keep-alive datagrams/s, idle connection (dialer → / ← listener) |\n");
            md.append("|---|---|---|---|---|---|---|---|---|---|\n");
            for (CaseResult r : results) {
                if (r.failure != null) {
                    md.append("| (").append(r.id).append(") | failed: ").append(r.failure.replace("|", "/")).append(" | | | | | | | | |\n");
                    continue;
                }
                boolean any = !r.samples.isEmpty();
                md.append("| (").append(r.id).append(") ").append(r.title)
                        .append(" | ").append(r.timed)
                        .append(" | ").append(r.runs)
                        .append(" | ").append(any ? Samples.ms(r.samples.percentile(0.5)) : "—")
                        .append(" | ").append(any ? Samples.ms(r.samples.percentile(0.95)) : "—")
                        .append(" | ").append(any ? Samples.ms(r.samples.max()) : "—")
                        .append(" | ").append(r.unreached)
                        .append(" | ").append(r.timedIsNoticed ? "(the measure)" : r.noOldConnection ? "n/a" : r.noticed.summary()
                                + (r.noticed.count() < r.runs ? " (" + r.noticed.count() + " of " + r.runs + " runs)" : ""))
                        .append(" | ").append(r.restartTook.isEmpty() ? "—" : Samples.ms(r.restartTook.percentile(0.5)))
                        .append(" | ").append(r.traffic)
                        .append(" |\n");
            }
            for (CaseResult r : results) {
                List<String> lines = new ArrayList<>(r.notes);
                if (!r.closedToReached.isEmpty()) {
                    lines.add("old connection closed → ping succeeded (p50 / p95 / max): " + r.closedToReached.summary()
                            + " (negative: the ping succeeded before the old connection closed)");
                }
                if (!r.transports.isEmpty()) {
                    lines.add("transport of the connection that the kill left behind: " + r.transports);
                }
                if (!r.closeCauses.isEmpty()) {
                    lines.add("close causes of the old connection: " + r.closeCauses);
                }
                if (r.invalid > 0) {
                    lines.add(r.invalid + " runs had the poll start after the peer was back (invalid)");
                }
                if (!r.samples.isEmpty() && !r.quiet) {
                    lines.add("all runs: " + r.samples);
                }
                for (String line : lines) {
                    md.append("\n- (").append(r.id).append(") ").append(line);
                }
            }
            md.append("\n- deadline per run: ").append(options.deadline.toSeconds()).append(" s; (g) and (h): ")
                    .append(Math.min(options.deadline.toSeconds(), KademliaRejoin.MAX_WAIT_SECONDS)).append(" s\n");
            return md.toString();
        }
    }
}
