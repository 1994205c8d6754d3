package io.github.p2pboot.swarm;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The netem loss test's other half, run by {@link NetemLossTest} in a network namespace whose
 * loopback drops and delays packets: two pairs of nodes, one over QUIC and one over TCP, run
 * {@link LossyPathScenario} side by side. Exits 0 when no connection closed and nearly every echo
 * came back (as {@link LossyPathTest} asks), 1 otherwise; prints one line per pair.
 */
public final class NetemLossMain {

    private NetemLossMain() {
    }

    public static void main(String[] args) throws Exception {
        Duration duration = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 60);
        try (TestSwarms swarms = new TestSwarms()) {
            Swarm quicA = swarms.start();
            Swarm quicB = swarms.start();
            Swarm tcpA = swarms.start(b -> b.listen(TestSwarms.LOOPBACK_TCP));
            Swarm tcpB = swarms.start(b -> b.listen(TestSwarms.LOOPBACK_TCP));
            CompletableFuture<LossyPathScenario.Result> quic = CompletableFuture.supplyAsync(
                    () -> run(quicA, quicB, TestSwarms.address(quicB), duration));
            CompletableFuture<LossyPathScenario.Result> tcp = CompletableFuture.supplyAsync(
                    () -> run(tcpA, tcpB, TestSwarms.tcpAddress(tcpB), duration));
            boolean ok = true;
            for (var entry : List.of(java.util.Map.entry("quic", quic), java.util.Map.entry("tcp", tcp))) {
                LossyPathScenario.Result result = entry.getValue().join();
                boolean pairOk = result.falseAlarms().isEmpty() && result.roundTrips() > 0
                        && result.failedRoundTrips() <= (result.roundTrips() + result.failedRoundTrips()) / 20;
                System.out.println("RESULT " + entry.getKey() + " " + (pairOk ? "ok" : "FAILED") + " " + result);
                ok &= pairOk;
            }
            System.out.flush();
            System.exit(ok ? 0 : 1);
        }
    }

    private static LossyPathScenario.Result run(Swarm a, Swarm b, io.github.p2pboot.multiaddr.Multiaddr address, Duration duration) {
        try {
            return LossyPathScenario.run(a, b, address, duration);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
