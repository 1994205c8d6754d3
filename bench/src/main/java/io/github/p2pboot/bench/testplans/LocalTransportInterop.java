package io.github.p2pboot.bench.testplans;

import io.github.p2pboot.interop.peers.PeerProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link TransportInterop} here the way test-plans' transport-interop runs a pair, without
 * Docker: our runner as a child process with the harness's environment, a Redis the caller
 * started, and for the other side a js, go or rust peer of {@code interop/} for which this
 * driver does the Redis part (RPUSH its address as a listener; BLPOP ours as a dialer, then dial
 * and ping). Prints a markdown table.
 *
 * <pre>
 * redis-server --port 16379 --save '' --appendonly no &amp;
 * java -cp ... io.github.p2pboot.bench.testplans.LocalTransportInterop 127.0.0.1:16379
 * </pre>
 */
public final class LocalTransportInterop {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private LocalTransportInterop() {
    }

    public static void main(String[] args) throws Exception {
        String redisAddress = args.length > 0 ? args[0] : "127.0.0.1:6379";
        List<String> rows = new ArrayList<>();
        rows.add("| other side | transport | ours is | result |");
        rows.add("| --- | --- | --- | --- |");
        boolean allPassed = true;
        for (PeerProcess.Implementation implementation : PeerProcess.Implementation.values()) {
            if (PeerProcess.unavailable(implementation).isPresent()) {
                rows.add("| " + implementation.displayName() + " | all | - | not built: " + PeerProcess.unavailable(implementation).get() + " |");
                continue;
            }
            try (PeerProcess peer = PeerProcess.start(implementation, PeerProcess.options())) {
                for (String transport : List.of("quic-v1", "tcp")) {
                    for (boolean oursDials : List.of(true, false)) {
                        String result;
                        try {
                            result = oursDials ? oursDials(peer, transport, redisAddress) : peerDials(peer, transport, redisAddress);
                        } catch (Exception e) {
                            allPassed = false;
                            result = "FAILS: " + e.getMessage();
                        }
                        rows.add("| " + implementation.displayName() + " | " + transport + " | " + (oursDials ? "dialer" : "listener")
                                + " | " + result + " |");
                        System.err.println(rows.get(rows.size() - 1));
                    }
                }
            }
        }
        rows.forEach(System.out::println);
        System.exit(allPassed ? 0 : 1);
    }

    private static Process runner(String transport, boolean dialer, String redisAddress) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), TransportInterop.class.getName());
        Map<String, String> env = builder.environment();
        env.put("transport", transport);
        env.put("muxer", "tcp".equals(transport) ? "yamux" : "quic");
        env.put("security", "tcp".equals(transport) ? "noise" : "quic");
        env.put("is_dialer", Boolean.toString(dialer));
        env.put("ip", "127.0.0.1");
        env.put("redis_addr", redisAddress);
        env.put("test_timeout_seconds", Long.toString(TIMEOUT.toSeconds()));
        return builder.redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** The peer listens (we push its address); our runner dials and reports. */
    private static String oursDials(PeerProcess peer, String transport, String redisAddress) throws Exception {
        String address = "tcp".equals(transport) ? peer.tcpAddress() : peer.quicAddress();
        try (Redis redis = Redis.connect(redisAddress, TIMEOUT)) {
            redis.rpush("listenerAddr", address);
        }
        Process ours = runner(transport, true, redisAddress);
        try {
            String line;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(ours.getInputStream(), StandardCharsets.UTF_8))) {
                line = out.readLine();
            }
            if (!ours.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS) || ours.exitValue() != 0 || line == null) {
                throw new IllegalStateException("our dialer failed (exit " + (ours.isAlive() ? "none" : ours.exitValue()) + ")");
            }
            if (!line.matches("\\{\"handshakePlusOneRTTMillis\": [0-9.]+, \"pingRTTMilllis\": [0-9.]+}")) {
                throw new IllegalStateException("not the harness's JSON: " + line);
            }
            return "passes: `" + line + "`";
        } finally {
            ours.destroyForcibly();
        }
    }

    /** Our runner listens and pushes its address; the peer takes it, dials and pings. */
    private static String peerDials(PeerProcess peer, String transport, String redisAddress) throws Exception {
        Process ours = runner(transport, false, redisAddress);
        try (Redis redis = Redis.connect(redisAddress, TIMEOUT)) {
            String address = redis.blpop("listenerAddr", TIMEOUT)
                    .orElseThrow(() -> new IllegalStateException("our listener pushed no address"));
            if (!address.contains("/" + transport + "/") && !address.endsWith("/" + transport)
                    && !address.contains("/" + transport)) {
                throw new IllegalStateException("our listener pushed " + address + ", not a " + transport + " address");
            }
            long start = System.nanoTime();
            peer.call("dial", Map.of("addr", address, "force", true), TIMEOUT);
            Duration rtt = peer.ping(address);
            double handshakePlusOneRtt = (System.nanoTime() - start) / 1e6;
            return String.format(java.util.Locale.ROOT, "passes: the peer dialled and pinged (%.1f ms incl. its command round trips, ping %d ms)",
                    handshakePlusOneRtt, rtt.toMillis());
        } finally {
            ours.destroyForcibly();
            ours.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
