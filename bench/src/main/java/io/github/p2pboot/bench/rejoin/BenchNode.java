package io.github.p2pboot.bench.rejoin;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.keeper.PeerKeeper;
import io.github.p2pboot.keeper.PeerKeeperConfig;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.peerstore.FilePeerStore;
import io.github.p2pboot.peerstore.InMemoryPeerStore;
import io.github.p2pboot.peerstore.PeerStore;
import io.github.p2pboot.swarm.Swarm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One of our nodes in its own JVM, so that the benchmark can kill it with SIGKILL and start it
 * again on the same ports with the same identity. Driven by {@link BenchNodeProcess}.
 *
 * <pre>
 * java ... BenchNode --seed HEX64 --quic-port N --tcp-port N [--keepalive-ms N] [--idle-ms N]
 *                    [--peer-store FILE] [--bootstrap MULTIADDR]... [--target-peers N]
 *                    [--reach PEER_ID [--reach-mode observe|dial] [--deadline-ms N]]
 * </pre>
 *
 * <p>As an application with the starter runs it: the engine's defaults, a persisted peer store
 * ({@link FilePeerStore}, in {@code --peer-store}, the file next to where its key would be; in
 * memory without it) and a {@link PeerKeeper} that keeps its bootstrap peers (if any) and, at
 * start, dials the peers the store remembers while below {@code --target-peers} ({@value
 * #TARGET_PEERS} by default). So a restarted node redials the peers it knew before the kill.
 *
 * <p>stdout, one line each: {@code started <nanoTime> <peerId> <addr>...} as soon as the Swarm has
 * started (its listeners are bound), then with {@code --reach}: {@code reached <nanoTime>
 * <attempts>} or {@code unreached <attempts> <error>}. stdin: {@code dial <multiaddr>} (answers
 * {@code dialled <peerId>} or {@code dialfailed <error>}); the end of stdin stops the node, so that
 * it never outlives the benchmark.
 */
public final class BenchNode {

    /** The peer keeper's target when the bench does not say. */
    static final int TARGET_PEERS = 8;

    private BenchNode() {
    }

    public static void main(String[] args) throws Exception {
        String seed = null;
        int quicPort = 0;
        int tcpPort = 0;
        Duration keepAlive = null;
        Duration idle = null;
        String reach = null;
        PingPoll.Mode mode = PingPoll.Mode.OBSERVE;
        Duration deadline = Duration.ofSeconds(30);
        Path peerStoreFile = null;
        List<Multiaddr> bootstrap = new ArrayList<>();
        int targetPeers = TARGET_PEERS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seed" -> seed = args[++i];
                case "--quic-port" -> quicPort = Integer.parseInt(args[++i]);
                case "--tcp-port" -> tcpPort = Integer.parseInt(args[++i]);
                case "--keepalive-ms" -> keepAlive = Duration.ofMillis(Long.parseLong(args[++i]));
                case "--idle-ms" -> idle = Duration.ofMillis(Long.parseLong(args[++i]));
                case "--reach" -> reach = args[++i];
                case "--reach-mode" -> mode = PingPoll.Mode.valueOf(args[++i].toUpperCase(java.util.Locale.ROOT));
                case "--deadline-ms" -> deadline = Duration.ofMillis(Long.parseLong(args[++i]));
                case "--peer-store" -> peerStoreFile = Path.of(args[++i]);
                case "--bootstrap" -> bootstrap.add(Multiaddr.parse(args[++i]));
                case "--target-peers" -> targetPeers = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (seed == null) {
            throw new IllegalArgumentException("--seed is required");
        }
        PrivateKey key = PrivateKey.ed25519FromSeed(HexFormat.of().parseHex(seed));
        PeerStore store = peerStoreFile != null ? FilePeerStore.open(peerStoreFile, key.peerId()) : new InMemoryPeerStore(key.peerId());
        Swarm swarm = OurNodes.start(OurNodes.builder(key, quicPort, tcpPort, keepAlive, idle).peerStore(store).build());
        PeerKeeper keeper = new PeerKeeper(swarm, PeerKeeperConfig.builder().bootstrapPeers(bootstrap).targetPeers(targetPeers).build());
        keeper.start();
        long started = System.nanoTime();
        say("started " + started + " " + swarm.localPeerId() + " "
                + swarm.listenAddresses().stream().map(Multiaddr::toString).collect(Collectors.joining(" ")));
        if (reach != null) {
            PingPoll.start(swarm, PeerId.parse(reach), mode, Duration.ofMillis(20), deadline).result().thenAccept(r -> say(r.reached()
                    ? "reached " + r.reachedNanos() + " " + r.attempts()
                    : "unreached " + r.attempts() + " " + r.lastError()));
        }
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("dial ")) {
                    try {
                        var connection = swarm.dial(Multiaddr.parse(line.substring(5).trim())).get(20, TimeUnit.SECONDS);
                        say("dialled " + connection.remotePeer());
                    } catch (Exception e) {
                        say("dialfailed " + e);
                    }
                } else if (line.equals("quit")) {
                    break;
                }
            }
        }
        keeper.close();
        swarm.close();
        store.close();
        System.exit(0);
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
