package io.github.p2pboot.hostile;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.kademlia.KademliaConfig;
import io.github.p2pboot.kademlia.KademliaMode;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.resource.ResourceLimits;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * The node under attack, in a JVM of its own with a small heap (see {@link Victim}): listens on
 * TCP and QUIC on 127.0.0.1 (for the legit peers) and ::1 (for the attackers), serves ping,
 * identify and Kademlia in server mode, with the engine's defaults (and a validator for the
 * namespace {@value #OPEN_NAMESPACE} that accepts any record), its resource limits applied to
 * loopback as to any address. Prints {@code ADDR <address>}
 * for each listen address, then {@code READY}; then answers one line per command on stdin:
 * {@code memory} (after a GC: heap used, direct memory in the JVM's buffer pool and Netty's own
 * count), {@code threads}, {@code quit}. Its log goes where the logback configuration given by the
 * test says. Exits by itself when stdin closes, so that it never outlives the test.
 */
public final class VictimMain {

    /** The Kademlia namespace whose records the victim accepts, whatever they hold. */
    static final String OPEN_NAMESPACE = "v";

    private VictimMain() {
    }

    public static void main(String[] args) throws Exception {
        PrivateKey key = PrivateKey.generateEd25519();
        // The engine's limits, scaled from this JVM's memory, applied to loopback too: here the
        // attackers' one address (::1) stands for an address out on the network.
        Swarm swarm = new Swarm(SwarmConfig.builder(key)
                .limits(ResourceLimits.builder().limitLoopback(true).build())
                .listen("/ip4/127.0.0.1/tcp/0")
                .listen("/ip4/127.0.0.1/udp/0/quic-v1")
                .listen("/ip6/::1/tcp/0")
                .listen("/ip6/::1/udp/0/quic-v1")
                .build());
        swarm.start();
        Kademlia dht = new Kademlia(swarm, KademliaConfig.builder().mode(KademliaMode.SERVER).build());
        // A namespace with a validator that accepts anything: a flood of records there tests the
        // store's bounds, not the refusal of namespaces nobody validates.
        dht.registerValidator(OPEN_NAMESPACE, (recordKey, value) -> { });
        dht.start();
        for (Multiaddr address : swarm.listenAddresses()) {
            System.out.println("ADDR " + address.withPeerId(swarm.localPeerId()));
        }
        System.out.println("READY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            switch (line.trim()) {
                case "memory" -> System.out.println(memory());
                case "threads" -> System.out.println("THREADS " + Thread.activeCount());
                case "quit" -> {
                    dht.close();
                    swarm.close();
                    System.out.println("BYE");
                    System.out.flush();
                    System.exit(0);
                }
                default -> System.out.println("ERROR unknown command '" + line + "'");
            }
            System.out.flush();
        }
        // The test is gone: so is the victim.
        Runtime.getRuntime().halt(3);
    }

    private static String memory() {
        // Twice: what a cleaner frees in the first pass (direct buffers) goes in the second.
        System.gc();
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if ("direct".equals(pool.getName())) {
                direct = pool.getMemoryUsed();
            }
        }
        long netty = io.netty.util.internal.PlatformDependent.usedDirectMemory();
        return "MEMORY heap=" + heap + " direct=" + direct + " netty=" + netty;
    }
}
