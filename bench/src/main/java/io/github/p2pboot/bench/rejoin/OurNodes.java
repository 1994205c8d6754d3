package io.github.p2pboot.bench.rejoin;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.swarm.QuicSettings;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import io.github.p2pboot.swarm.TcpSettings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * How the benchmark builds our nodes: the engine's defaults (which the starter's defaults match),
 * listening on loopback QUIC and TCP, unless the bench's options override the liveness ping
 * interval or the QUIC idle timeout. The same code builds the nodes in the bench JVM and in {@link BenchNode}.
 */
final class OurNodes {

    private OurNodes() {
    }

    /** A fixed 32-byte key seed named by {@code name}, so that a restarted node keeps its identity. */
    static byte[] seed(String name) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(("p2pboot rejoin bench " + name).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String seedHex(String name) {
        return HexFormat.of().formatHex(seed(name));
    }

    /**
     * @param keepAlive the liveness ping interval (QUIC and TCP), or null for the default
     * @param idle the QUIC max idle timeout, or null for the default
     */
    static SwarmConfig config(PrivateKey key, int quicPort, int tcpPort, Duration keepAlive, Duration idle) {
        return builder(key, quicPort, tcpPort, keepAlive, idle).build();
    }

    /** As {@link #config}, left open for a peer store or other settings of the caller's. */
    static SwarmConfig.Builder builder(PrivateKey key, int quicPort, int tcpPort, Duration keepAlive, Duration idle) {
        SwarmConfig.Builder builder = SwarmConfig.builder(key)
                .listen("/ip4/127.0.0.1/udp/" + quicPort + "/quic-v1")
                .listen("/ip4/127.0.0.1/tcp/" + tcpPort)
                .quic(quic(keepAlive, idle));
        if (keepAlive != null) {
            TcpSettings d = TcpSettings.DEFAULTS;
            builder.tcp(new TcpSettings(d.enabled(), d.handshakeTimeout(), d.maxStreams(), d.liveness().withInterval(keepAlive)));
        }
        return builder;
    }

    /** The engine's QUIC settings, with the bench's ping interval and idle timeout if it overrides them. */
    static QuicSettings quic(Duration keepAlive, Duration idle) {
        QuicSettings d = QuicSettings.DEFAULTS;
        if (keepAlive == null && idle == null) {
            return d;
        }
        return new QuicSettings(idle != null ? idle : d.maxIdleTimeout(),
                keepAlive != null ? d.liveness().withInterval(keepAlive) : d.liveness(), d.handshakeTimeout(), d.maxStreams());
    }

    static Swarm start(SwarmConfig config) {
        Swarm swarm = new Swarm(config);
        swarm.start();
        return swarm;
    }
}
