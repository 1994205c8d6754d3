package io.github.p2pboot.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Our node, dialled by a real js-libp2p node (QUIC by quinn, idle timeout 10 s), is killed -9 and
 * restarted on the same port with the same identity: the js node's next packet on the old
 * connection earns a stateless reset, which quinn accepts, so the old connection is gone well
 * inside the 10 s idle timeout, and a ping reaches the new node.
 */
class QuicStatelessResetJsIT {

    private static final String SEED = "00000000000000000000000000000000000000000000000000000000000000b7";
    private static final Duration JS_IDLE_TIMEOUT = Duration.ofSeconds(10);

    private JsPeer js;
    private Process child;
    private Swarm restarted;

    @AfterEach
    void stop() {
        if (child != null) {
            child.destroyForcibly();
        }
        if (restarted != null) {
            restarted.close();
        }
        if (js != null) {
            js.close();
        }
    }

    @Test
    void jsDropsItsConnectionToOurRestartedNodeAtOnce() throws Exception {
        js = JsPeer.start(JsPeer.options().tcp(false));
        child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), RestartedNodeMain.class.getName(), SEED, "0")
                .redirectErrorStream(true).start();
        String address = awaitReady(child);
        String peerId = PrivateKey.ed25519FromSeed(HexFormat.of().parseHex(SEED)).peerId().toString();
        assertThat(js.dial(address)).isEqualTo(peerId);
        assertThat(js.ping(peerId)).isGreaterThanOrEqualTo(Duration.ZERO);

        child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        restarted = new Swarm(SwarmConfig.builder(PrivateKey.ed25519FromSeed(HexFormat.of().parseHex(SEED)))
                .ioThreads(1).listen(Multiaddr.parse(address).withoutPeerId()).build());
        restarted.start();
        long restartedAt = System.nanoTime();
        // The js node sends on its old connection: quinn's keep-alive would within 5 s, a ping now.
        try {
            js.ping(peerId);
        } catch (RuntimeException expected) {
            // the old connection is reset under the ping
        }

        js.awaitEvent(e -> "peer:disconnect".equals(e.get("event").asString()) && peerId.equals(e.get("peerId").asString()),
                JS_IDLE_TIMEOUT);
        long goneMs = (System.nanoTime() - restartedAt) / 1_000_000;
        System.out.printf("js-libp2p dropped its connection to our restarted node %d ms after the restart%n", goneMs);
        assertThat(Duration.ofMillis(goneMs)).isLessThan(JS_IDLE_TIMEOUT.minusSeconds(5));
        assertThat(js.ping(address)).isGreaterThanOrEqualTo(Duration.ZERO);
    }

    private static String awaitReady(Process process) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith("READY ")) {
                        return line.substring("READY ".length()).trim();
                    }
                }
                throw new IllegalStateException("the child node exited before it listened");
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
        String address = ready.get(30, TimeUnit.SECONDS);
        // Keep draining its output so it never blocks on a full pipe.
        CompletableFuture.runAsync(() -> out.lines().forEach(line -> { }));
        return address;
    }
}
