package io.github.p2pboot.hostile;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A fresh, well-behaved peer: a new identity and a normal {@link Swarm} in the test JVM, on
 * 127.0.0.1, that dials the victim over TCP and over QUIC and pings it once on each connection.
 */
final class LegitPeer {

    static final Duration DIAL_TIMEOUT = Duration.ofSeconds(12);
    static final Duration PING_TIMEOUT = Duration.ofSeconds(8);

    private LegitPeer() {
    }

    /** One visit of a fresh peer: a dial and a ping over each transport. */
    static Visit visit(Victim victim) {
        Swarm swarm = new Swarm(SwarmConfig.builder(PrivateKey.generateEd25519()).ioThreads(1).build());
        swarm.start();
        try {
            Leg tcp = dialAndPing(swarm, victim.tcp4());
            Leg quic = dialAndPing(swarm, victim.quic4());
            return new Visit(tcp, quic);
        } finally {
            swarm.close();
        }
    }

    private static Leg dialAndPing(Swarm swarm, Multiaddr address) {
        long start = System.nanoTime();
        Connection connection;
        try {
            connection = swarm.dial(address).get(DIAL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return Leg.failed("dial: " + describe(e), start);
        }
        long dialled = System.nanoTime();
        try {
            Ping.ping(connection).get(PING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return new Leg(Duration.ofNanos(dialled - start), null, "ping: " + describe(e));
        } finally {
            connection.close();
        }
        return new Leg(Duration.ofNanos(dialled - start), Duration.ofNanos(System.nanoTime() - dialled), null);
    }

    private static String describe(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && (cause instanceof ExecutionException
                || cause instanceof CompletionException)) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    /** One transport's dial and ping; {@code error} is null when both succeeded. */
    record Leg(Duration dial, Duration ping, String error) {
        static Leg failed(String error, long startNanos) {
            return new Leg(Duration.ofNanos(System.nanoTime() - startNanos), null, error);
        }

        boolean ok() {
            return error == null;
        }

        @Override
        public String toString() {
            return ok() ? "dial " + dial.toMillis() + " ms + ping " + ping.toMillis() + " ms"
                    : "FAILED after " + dial.toMillis() + " ms (" + error + ")";
        }
    }

    record Visit(Leg tcp, Leg quic) {
        @Override
        public String toString() {
            return "tcp " + tcp + ", quic " + quic;
        }
    }
}
