package io.github.p2pboot.bench.rejoin;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.kademlia.KademliaConfig;
import io.github.p2pboot.keeper.PeerKeeper;
import io.github.p2pboot.keeper.PeerKeeperConfig;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.peerstore.FilePeerStore;
import io.github.p2pboot.peerstore.InMemoryPeerStore;
import io.github.p2pboot.peerstore.PeerStore;
import io.github.p2pboot.swarm.CloseCause;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import io.github.p2pboot.swarm.SwarmListener;
import io.github.p2pboot.swarm.TcpSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Cases (g) and (h), goal 6 of issue 8: {@value #NODES} of our nodes in this JVM (one I/O thread
 * each, QUIC only) join through node 0 with Kademlia; node 0 then stops for good. One node at a
 * time is restarted (same key, same port), configured with node 0 as its bootstrap peer as an
 * application would be, and the bench times how long after its Swarm started it has
 * {@value #TARGET_PEERS} connected peers.
 * <ul>
 *   <li>(g) every node runs as an application with the starter would: a persisted peer store
 *       ({@link FilePeerStore}, a file per node that outlives its restarts) and a
 *       {@link PeerKeeper} with Kademlia, node 0 its bootstrap peer, target {@value
 *       BenchNode#TARGET_PEERS}. The restarted node gets nothing from the bench: what it remembers
 *       (the keeper dials the most recently connected peers at start) and what the keeper finds
 *       through Kademlia;</li>
 *   <li>(h) the bench hands the restarted node what it knew before (its routing table's peers and
 *       their addresses) through {@link Kademlia#addPeer}: what remembered peers would buy, as a
 *       reference for (g).</li>
 * </ul>
 * The restarts here are graceful ({@link Swarm#close()} tells the peers): this case is about
 * finding peers, not about stale connections. Each run is bounded by the smaller of the bench's
 * deadline and {@value #MAX_WAIT_SECONDS} s (the goal is 2 s).
 */
final class KademliaRejoin {

    static final int NODES = 20;
    static final int TARGET_PEERS = 3;
    static final int MAX_WAIT_SECONDS = 10;

    private KademliaRejoin() {
    }

    static RejoinBench.CaseResult run(String id, boolean handOver, RejoinBench.Options options) throws Exception {
        RejoinBench.CaseResult result = new RejoinBench.CaseResult(id, handOver
                ? NODES + " of ours, Kademlia, bootstrap dead: a node restarts and is handed its old peers"
                : NODES + " of ours, Kademlia, bootstrap dead: a node restarts",
                "its Swarm started → " + TARGET_PEERS + " connected peers");
        result.noOldConnection = true;
        Duration wait = options.deadline.compareTo(Duration.ofSeconds(MAX_WAIT_SECONDS)) < 0 ? options.deadline : Duration.ofSeconds(MAX_WAIT_SECONDS);
        List<PrivateKey> keys = new ArrayList<>();
        List<Swarm> swarms = new ArrayList<>();
        List<Kademlia> dhts = new ArrayList<>();
        List<PeerStore> stores = new ArrayList<>();
        List<PeerKeeper> keepers = new ArrayList<>();
        Path storeFolder = RejoinBench.PEER_STORES.resolve("kademlia-" + id);
        LivenessCloses livenessCloses = new LivenessCloses();
        boolean keep = !handOver;
        try {
            long building = System.nanoTime();
            for (int i = 0; i < NODES; i++) {
                keys.add(PrivateKey.generateEd25519());
                stores.add(keep ? FilePeerStore.open(storeFolder.resolve("node-" + i + ".peers"), keys.get(i).peerId())
                        : new InMemoryPeerStore(keys.get(i).peerId()));
                swarms.add(OurNodes.start(config(keys.get(i), 0, stores.get(i), options)));
                swarms.get(i).addListener(livenessCloses);
                dhts.add(start(swarms.get(i)));
                keepers.add(null);
            }
            PeerId bootstrap = swarms.get(0).localPeerId();
            List<Multiaddr> bootstrapAddresses = swarms.get(0).listenAddresses();
            Multiaddr bootstrapAddress = Multiaddr.parse(bootstrapAddresses.get(0) + "/p2p/" + bootstrap);
            for (int i = 1; i < NODES; i++) {
                dhts.get(i).addPeer(bootstrap, bootstrapAddresses);
                dhts.get(i).bootstrap().get(30, TimeUnit.SECONDS);
                if (keep) {
                    keepers.set(i, keeper(swarms.get(i), bootstrapAddress, dhts.get(i)));
                }
            }
            // A second round, so that the first to join learn of those that came after them.
            for (int i = 1; i < NODES; i++) {
                dhts.get(i).bootstrap().get(30, TimeUnit.SECONDS);
            }
            System.out.printf("(%s) %d nodes joined in %.1f s; node 0 (the bootstrap node) stops for good%n", id, NODES,
                    (System.nanoTime() - building) / 1e9);
            dhts.get(0).close();
            swarms.get(0).close();
            for (int run = 1; run <= options.restarts; run++) {
                int r = 1 + (run - 1) % (NODES - 1);
                Map<PeerId, List<Multiaddr>> remembered = new LinkedHashMap<>();
                for (PeerId peer : dhts.get(r).routingTablePeers()) {
                    remembered.put(peer, swarms.get(r).peerStore().dialAddresses(peer));
                }
                int port = quicPort(swarms.get(r));
                if (keepers.get(r) != null) {
                    keepers.get(r).close();
                }
                dhts.get(r).close();
                swarms.get(r).close();
                stores.get(r).close();
                Thread.sleep(options.settleMs);
                PeerStore store = keep ? FilePeerStore.open(storeFolder.resolve("node-" + r + ".peers"), keys.get(r).peerId())
                        : new InMemoryPeerStore(keys.get(r).peerId());
                stores.set(r, store);
                Swarm restarted = OurNodes.start(config(keys.get(r), port, store, options));
                long started = System.nanoTime();
                restarted.addListener(livenessCloses);
                Kademlia dht = start(restarted);
                swarms.set(r, restarted);
                dhts.set(r, dht);
                if (keep) {
                    // (g): the keeper alone: its bootstrap peer is dead, so the peers the store
                    // remembers and Kademlia are what it has.
                    keepers.set(r, keeper(restarted, bootstrapAddress, dht));
                } else {
                    dht.addPeer(bootstrap, bootstrapAddresses);
                    remembered.forEach(dht::addPeer);
                    dht.bootstrap();
                }
                long deadline = started + wait.toNanos();
                long reachedAt = -1;
                while (System.nanoTime() - deadline < 0) {
                    if (restarted.connectedPeers().size() >= TARGET_PEERS) {
                        reachedAt = System.nanoTime();
                        break;
                    }
                    Thread.sleep(5);
                }
                result.record(run, reachedAt > 0, reachedAt - started, 0, -1, true,
                        reachedAt > 0 ? null : restarted.connectedPeers().size() + " connected peers after " + wait.toSeconds() + " s");
            }
            result.traffic = "see (d)";
            result.notes.add("connections closed by liveness among the " + NODES + " nodes during the case (one JVM, 2 cores): "
                    + livenessCloses.count.get());
        } finally {
            for (PeerKeeper keeper : keepers) {
                if (keeper != null) {
                    keeper.close();
                }
            }
            for (Kademlia dht : dhts) {
                dht.close();
            }
            for (Swarm swarm : swarms) {
                swarm.close();
            }
            for (PeerStore store : stores) {
                store.close();
            }
        }
        return result;
    }

    private static SwarmConfig config(PrivateKey key, int quicPort, PeerStore store, RejoinBench.Options options) {
        SwarmConfig.Builder builder = SwarmConfig.builder(key).listen("/ip4/127.0.0.1/udp/" + quicPort + "/quic-v1")
                .quic(OurNodes.quic(options.keepAlive, options.idle)).tcp(TcpSettings.DISABLED).ioThreads(1).peerStore(store);
        return builder.build();
    }

    private static PeerKeeper keeper(Swarm swarm, Multiaddr bootstrap, Kademlia dht) {
        PeerKeeper keeper = new PeerKeeper(swarm, PeerKeeperConfig.builder().bootstrapPeer(bootstrap)
                .targetPeers(BenchNode.TARGET_PEERS).build(), dht);
        keeper.start();
        return keeper;
    }

    /** Counts connections closed by liveness (false alarms here: no node of the case dies unannounced). */
    private static final class LivenessCloses implements SwarmListener {
        final AtomicInteger count = new AtomicInteger();

        @Override
        public void connectionClosed(Connection connection, CloseCause cause, int remaining) {
            if (cause.kind() == CloseCause.Kind.KEEP_ALIVE_TIMEOUT) {
                count.incrementAndGet();
            }
        }
    }

    private static Kademlia start(Swarm swarm) {
        Kademlia dht = new Kademlia(swarm, KademliaConfig.DEFAULTS);
        dht.start();
        return dht;
    }

    private static int quicPort(Swarm swarm) {
        String address = swarm.listenAddresses().stream().map(Multiaddr::toString).filter(a -> a.contains("/quic-v1")).findFirst().orElseThrow();
        String[] parts = address.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            if (parts[i].equals("udp")) {
                return Integer.parseInt(parts[i + 1]);
            }
        }
        throw new IllegalStateException("no UDP port in " + address);
    }
}
