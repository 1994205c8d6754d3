package io.github.p2pboot.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.interop.peers.JsPeer;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The sample app with a real js-libp2p node as its bootstrap peer: {@code /actuator/health/libp2p}
 * is UP while the js node runs, goes DOWN when it stops, and UP again when it comes back on the same
 * port with the same identity.
 */
class SampleAppJsBootstrapIT {

    private static final String SEED = "00000000000000000000000000000000000000000000000000000000000000b0";
    private static final Duration WAIT = Duration.ofSeconds(40);

    @TempDir
    Path dir;

    private ConfigurableApplicationContext app;
    private JsPeer js;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        if (js != null) {
            js.close();
        }
    }

    @Test
    void healthFollowsTheJsBootstrapPeer() throws Exception {
        int jsPort = freeUdpPort();
        js = JsPeer.start(JsPeer.options().seedHex(SEED).quicPort(jsPort).tcp(false));
        app = SpringApplication.run(SampleApplication.class,
                "--server.port=0",
                "--libp2p.identity.key-file=" + dir.resolve("sample.key"),
                "--libp2p.listen=/ip4/127.0.0.1/udp/0/quic-v1",
                "--libp2p.bootstrap.peers=" + js.quicAddress(),
                "--libp2p.quic.max-idle-timeout=3s",
                "--libp2p.quic.keep-alive-interval=500ms",
                "--libp2p.reconnect.initial-backoff=200ms",
                "--libp2p.reconnect.max-backoff=1s");
        URI health = URI.create("http://127.0.0.1:" + ((WebServerApplicationContext) app).getWebServer().getPort() + "/actuator/health/libp2p");

        await().atMost(WAIT).until(() -> get(health).contains("\"status\":\"UP\""));
        assertThat(get(health)).contains("\"bootstrapPeersConnected\":\"1/1\"").doesNotContain("privateKey");

        js.close();
        await().atMost(WAIT).until(() -> get(health).contains("\"status\":\"DOWN\""));
        assertThat(get(health)).contains("\"connectedPeers\":0");

        js = JsPeer.start(JsPeer.options().seedHex(SEED).quicPort(jsPort).tcp(false));
        await().atMost(WAIT).until(() -> get(health).contains("\"status\":\"UP\""));
    }

    private static String get(URI uri) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body().replace(" ", "");
    }

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
