package io.github.p2pboot.bench;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.interop.peers.JsPeer;
import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.kademlia.KademliaConfig;
import io.github.p2pboot.kademlia.QueryResult;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.LivenessSettings;
import io.github.p2pboot.swarm.QuicSettings;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Kademlia lookup latency and hop count in a network of N of our nodes (one JVM, loopback QUIC),
 * with a few js-libp2p kad-dht nodes in the same network measured side by side.
 *
 * <p>Run: {@code ./mvnw -q install -DskipTests && ./mvnw -q -f bench/pom.xml exec:java}
 * (system properties {@code nodes}, {@code lookups}, {@code jsNodes}, {@code jsLookups}).
 */
public final class KademliaLookupBench {

    public static void main(String[] args) throws Exception {
        int nodes = Integer.getInteger("nodes", 200);
        int lookups = Integer.getInteger("lookups", 1000);
        int jsNodes = Integer.getInteger("jsNodes", 3);
        int jsLookups = Integer.getInteger("jsLookups", 100);
        Random random = new Random(42);
        KademliaConfig config = KademliaConfig.builder().queryTimeout(Duration.ofSeconds(30)).build();

        System.out.printf("machine: %d cores, max heap %d MiB, java %s%n", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.version"));
        long heapBefore = usedHeap();
        List<Swarm> swarms = new ArrayList<>();
        List<Kademlia> dhts = new ArrayList<>();
        long buildStart = System.nanoTime();
        for (int i = 0; i < nodes; i++) {
            // A long keep-alive: with hundreds of connections per node in one JVM, 5-second pings
            // would measure the pings, not the lookups.
            Swarm swarm = new Swarm(SwarmConfig.builder(PrivateKey.generateEd25519()).ioThreads(1)
                    .quic(new QuicSettings(Duration.ofMinutes(5), LivenessSettings.QUIC_DEFAULTS.withInterval(Duration.ofMinutes(2)), Duration.ofSeconds(10), 256))
                    .listen("/ip4/127.0.0.1/udp/0/quic-v1").build());
            swarm.start();
            Kademlia dht = new Kademlia(swarm, config);
            dht.start();
            swarms.add(swarm);
            dhts.add(dht);
        }
        // Each node joins as Kademlia prescribes: through a known peer, with a lookup of its own id.
        for (int i = 1; i < nodes; i++) {
            dhts.get(i).addPeer(swarms.get(0).localPeerId(), swarms.get(0).listenAddresses());
            dhts.get(i).findClosestPeers(swarms.get(i).localPeerId().toBytes()).get(60, TimeUnit.SECONDS);
            if (i % 50 == 0) {
                System.out.printf("  %d nodes joined after %d s%n", i, Duration.ofNanos(System.nanoTime() - buildStart).toSeconds());
            }
        }
        List<JsPeer> js = new ArrayList<>();
        for (int i = 0; i < jsNodes; i++) {
            JsPeer peer = JsPeer.start(JsPeer.options().kad(true).tcp(false));
            peer.dial(swarms.get(0).listenAddresses().get(0).withPeerId(swarms.get(0).localPeerId()).toString());
            peer.kadClosestPeersToPeer(peer.peerId()); // the js node's own bootstrap lookup
            js.add(peer);
        }
        System.out.printf("network: %d nodes (+%d js) built and bootstrapped in %d s; heap %d MiB (%d KiB per node)%n",
                nodes, jsNodes, Duration.ofNanos(System.nanoTime() - buildStart).toSeconds(),
                (usedHeap() - heapBefore) >> 20, ((usedHeap() - heapBefore) >> 10) / nodes);
        double avgTable = dhts.stream().mapToInt(Kademlia::routingTableSize).average().orElse(0);
        System.out.printf("routing table: %.1f peers on average%n", avgTable);

        // Warm-up: JIT and connection set-up are not what is measured.
        runLookups(dhts, swarms, 200, random);
        Result ours = runLookups(dhts, swarms, lookups, random);
        System.out.printf("ours: %d lookups, found %d (%.1f%%), latency p50 %.2f ms p95 %.2f ms, rounds mean %.2f p95 %d max %d, log2(N) = %.2f%n",
                lookups, ours.found, 100.0 * ours.found / lookups, ours.percentile(ours.latenciesMs, 50), ours.percentile(ours.latenciesMs, 95),
                ours.rounds.stream().mapToInt(Integer::intValue).average().orElse(0), (int) ours.percentile(toDouble(ours.rounds), 95),
                Collections.max(ours.rounds), Math.log(nodes) / Math.log(2));

        if (!js.isEmpty()) {
            List<Double> jsLatencies = new ArrayList<>();
            int jsFound = 0;
            for (int i = 0; i < jsLookups; i++) {
                JsPeer from = js.get(i % js.size());
                PeerId target = swarms.get(random.nextInt(nodes)).localPeerId();
                long start = System.nanoTime();
                List<String> closest = from.kadClosestPeersToPeer(target.toString());
                jsLatencies.add((System.nanoTime() - start) / 1e6);
                if (closest.contains(target.toString())) {
                    jsFound++;
                }
            }
            Result jsResult = new Result();
            System.out.printf("js-libp2p kad-dht: %d lookups, found %d (%.1f%%), latency p50 %.2f ms p95 %.2f ms (includes the harness's stdin/stdout round trip)%n",
                    jsLookups, jsFound, 100.0 * jsFound / jsLookups, jsResult.percentile(jsLatencies, 50), jsResult.percentile(jsLatencies, 95));
        }

        js.forEach(JsPeer::close);
        dhts.forEach(Kademlia::close);
        swarms.parallelStream().forEach(Swarm::close);
        System.exit(0);
    }

    private static Result runLookups(List<Kademlia> dhts, List<Swarm> swarms, int count, Random random) throws Exception {
        Result result = new Result();
        for (int i = 0; i < count; i++) {
            int from = random.nextInt(dhts.size());
            int to = random.nextInt(dhts.size());
            if (from == to) {
                to = (to + 1) % dhts.size();
            }
            PeerId target = swarms.get(to).localPeerId();
            long start = System.nanoTime();
            QueryResult<List<PeerId>> lookup = dhts.get(from).findClosestPeers(target.toBytes()).get(60, TimeUnit.SECONDS);
            result.latenciesMs.add((System.nanoTime() - start) / 1e6);
            result.rounds.add(lookup.rounds());
            if (lookup.closestPeers().contains(target)) {
                result.found++;
            }
        }
        return result;
    }

    private static List<Double> toDouble(List<Integer> values) {
        return values.stream().map(Integer::doubleValue).toList();
    }

    private static long usedHeap() {
        System.gc();
        return Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    }

    private static final class Result {
        final List<Double> latenciesMs = new ArrayList<>();
        final List<Integer> rounds = new ArrayList<>();
        int found;

        double percentile(List<Double> values, int percentile) {
            List<Double> sorted = new ArrayList<>(values);
            Collections.sort(sorted);
            return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1));
        }
    }
}
