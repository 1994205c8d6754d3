package io.github.p2pboot.bench.testplans;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Our node as a libp2p/test-plans {@code transport-interop} test binary. It reads that harness's
 * environment:
 * <ul>
 *   <li>{@code transport}: {@code tcp} or {@code quic-v1} (others: exit 1, unsupported);</li>
 *   <li>{@code muxer} and {@code security}: {@code yamux} and {@code noise} over TCP (QUIC brings its own);</li>
 *   <li>{@code is_dialer}: {@code true} or {@code false};</li>
 *   <li>{@code ip}: the address to listen on (the listener), default {@code 0.0.0.0};</li>
 *   <li>{@code redis_addr}: {@code host:port} of the harness's Redis, default {@code redis:6379};</li>
 *   <li>{@code test_timeout_seconds}: default 180.</li>
 * </ul>
 * The listener pushes its address ({@code RPUSH listenerAddr <multiaddr>/p2p/<id>}) and serves
 * until the harness stops it (or the timeout passes). The dialer takes the address
 * ({@code BLPOP listenerAddr}), dials, pings, and prints one JSON line on stdout,
 * {@code {"handshakePlusOneRTTMillis": ..., "pingRTTMilllis": ...}} (the harness's spelling), the
 * first from the start of the dial to the first ping's answer, the second a further ping's round
 * trip. Logs go to stderr. Exits 0 on success, 1 otherwise.
 */
public final class TransportInterop {

    private TransportInterop() {
    }

    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        try {
            System.exit(run(env));
        } catch (Exception e) {
            System.err.println("transport-interop: " + e);
            e.printStackTrace(System.err);
            System.exit(1);
        }
    }

    static int run(Map<String, String> env) throws Exception {
        String transport = env.getOrDefault("transport", "");
        String muxer = env.getOrDefault("muxer", "");
        String security = env.getOrDefault("security", "");
        boolean dialer = Boolean.parseBoolean(env.getOrDefault("is_dialer", "false"));
        String ip = env.getOrDefault("ip", "0.0.0.0");
        String redisAddress = env.getOrDefault("redis_addr", "redis:6379");
        Duration timeout = Duration.ofSeconds(Long.parseLong(env.getOrDefault("test_timeout_seconds", "180")));
        String listen = switch (transport) {
            case "tcp" -> {
                if (!"yamux".equals(muxer) || !"noise".equals(security)) {
                    throw new IllegalArgumentException("over tcp only muxer=yamux and security=noise are supported, got muxer="
                            + muxer + " security=" + security);
                }
                yield "/ip4/" + ip + "/tcp/0";
            }
            case "quic-v1" -> "/ip4/" + ip + "/udp/0/quic-v1";
            default -> throw new IllegalArgumentException("transport '" + transport + "' is not supported (tcp, quic-v1)");
        };
        SwarmConfig.Builder config = SwarmConfig.builder(PrivateKey.generateEd25519()).ioThreads(1);
        if (!dialer) {
            config.listen(listen);
        }
        Swarm swarm = new Swarm(config.build());
        swarm.start();
        try (Redis redis = Redis.connect(redisAddress, timeout)) {
            if (dialer) {
                String address = redis.blpop("listenerAddr", timeout)
                        .orElseThrow(() -> new IllegalStateException("no listenerAddr in Redis within " + timeout.toSeconds() + " s"));
                long start = System.nanoTime();
                Connection connection = swarm.dial(Multiaddr.parse(address)).get(timeout.toSeconds(), TimeUnit.SECONDS);
                Ping.ping(connection).get(timeout.toSeconds(), TimeUnit.SECONDS);
                double handshakePlusOneRtt = (System.nanoTime() - start) / 1e6;
                Duration rtt = Ping.ping(connection).get(timeout.toSeconds(), TimeUnit.SECONDS);
                System.out.printf(Locale.ROOT, "{\"handshakePlusOneRTTMillis\": %.3f, \"pingRTTMilllis\": %.3f}%n",
                        handshakePlusOneRtt, rtt.toNanos() / 1e6);
                System.out.flush();
            } else {
                Multiaddr address = swarm.listenAddresses().stream()
                        .filter(a -> !"0.0.0.0".equals(ip) || !a.toString().startsWith("/ip4/127."))
                        .findFirst().orElse(swarm.listenAddresses().get(0));
                redis.rpush("listenerAddr", address.withPeerId(swarm.localPeerId()).toString());
                // Serve until the harness stops us (it kills the listener once the dialer is done).
                Thread.sleep(timeout.toMillis());
            }
        } finally {
            swarm.close();
        }
        return 0;
    }
}
