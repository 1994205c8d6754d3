package io.github.p2pboot.swarm;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Starts swarms on loopback for a test and closes them all at the end. */
public final class TestSwarms implements AutoCloseable {

    public static final String LOOPBACK_QUIC = "/ip4/127.0.0.1/udp/0/quic-v1";
    public static final String LOOPBACK_TCP = "/ip4/127.0.0.1/tcp/0";

    private final List<Swarm> swarms = new ArrayList<>();

    public Swarm start() {
        return start(b -> { });
    }

    public Swarm start(Consumer<SwarmConfig.Builder> customizer) {
        return start(PrivateKey.generateEd25519(), customizer);
    }

    /** Starts a swarm with a given identity, e.g. to restart a node as itself. */
    public Swarm start(PrivateKey hostKey, Consumer<SwarmConfig.Builder> customizer) {
        SwarmConfig.Builder builder = SwarmConfig.builder(hostKey).ioThreads(1);
        customizer.accept(builder);
        SwarmConfig config = builder.build();
        if (config.listenAddresses().isEmpty()) {
            config = builder.listen(LOOPBACK_QUIC).build();
        }
        Swarm swarm = new Swarm(config);
        swarm.start();
        swarms.add(swarm);
        return swarm;
    }

    /** The swarm's first listen address with its {@code /p2p} id. */
    public static Multiaddr address(Swarm swarm) {
        return swarm.listenAddresses().get(0).withPeerId(swarm.localPeerId());
    }

    /** The swarm's first TCP listen address with its {@code /p2p} id. */
    public static Multiaddr tcpAddress(Swarm swarm) {
        return swarm.listenAddresses().stream().filter(a -> a.toString().contains("/tcp/")).findFirst()
                .orElseThrow(() -> new IllegalStateException("the swarm does not listen on TCP"))
                .withPeerId(swarm.localPeerId());
    }

    @Override
    public void close() {
        swarms.forEach(Swarm::close);
    }
}
