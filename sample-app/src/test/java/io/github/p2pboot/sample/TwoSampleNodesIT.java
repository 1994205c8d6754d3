package io.github.p2pboot.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.swarm.Swarm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of the sample app, as docs/getting-started.md runs them: the second joins the first
 * through {@code libp2p.bootstrap.peers}, and the REST API shows peers, DHT records and pings.
 */
class TwoSampleNodesIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private final List<ConfigurableApplicationContext> apps = new ArrayList<>();

    @AfterEach
    void stop() {
        apps.forEach(ConfigurableApplicationContext::close);
    }

    @Test
    void secondNodeJoinsTheFirstAndReadsWhatItStored() throws Exception {
        ConfigurableApplicationContext first = start("first");
        Swarm firstSwarm = first.getBean(Swarm.class);
        String bootstrap = firstSwarm.listenAddresses().stream().map(a -> a.withPeerId(firstSwarm.localPeerId()).toString())
                .collect(Collectors.joining(","));
        // The first node of a network is healthy alone.
        assertThat(get(first, "/actuator/health/libp2p")).contains("\"status\":\"UP\"");

        ConfigurableApplicationContext second = start("second", "--libp2p.bootstrap.peers=" + bootstrap);
        String firstId = firstSwarm.localPeerId().toString();
        await().atMost(WAIT).until(() -> get(second, "/api/peers").contains(firstId));
        await().atMost(WAIT).until(() -> get(second, "/actuator/health/libp2p").contains("\"status\":\"UP\""));
        assertThat(get(second, "/actuator/health")).contains("\"libp2p\"").contains("\"bootstrapPeersConnected\":\"1/1\"");
        assertThat(get(second, "/api/peers")).contains("\"transport\":\"quic-v1\"").contains("\"direction\":\"outbound\"");
        assertThat(get(first, "/api/info")).contains("\"peerId\":\"" + firstId + "\"").contains("\"connectedPeers\":1");

        HttpResponse<String> put = send(first, HttpRequest.newBuilder(uri(first, "/api/dht/greeting"))
                .PUT(HttpRequest.BodyPublishers.ofString("hello from the first node")));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(put.body()).contains("\"key\":\"/sample/greeting\"");
        HttpResponse<String> read = send(second, HttpRequest.newBuilder(uri(second, "/api/dht/greeting")).GET());
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(read.body()).isEqualTo("hello from the first node");

        HttpResponse<String> ping = send(second, HttpRequest.newBuilder(uri(second, "/api/ping/" + firstId)).GET());
        assertThat(ping.statusCode()).as(ping.body()).isEqualTo(200);
        assertThat(ping.body()).contains("\"rttMillis\":");

        // The app's own request-response protocol, on the stream API.
        HttpResponse<String> echo = send(second, HttpRequest.newBuilder(uri(second, "/api/echo/" + firstId))
                .POST(HttpRequest.BodyPublishers.ofString("echo, echo")));
        assertThat(echo.statusCode()).as(echo.body()).isEqualTo(200);
        assertThat(echo.body()).isEqualTo("echo, echo");
        HttpResponse<String> notAPeer = send(second, HttpRequest.newBuilder(uri(second, "/api/echo/nobody"))
                .POST(HttpRequest.BodyPublishers.ofString("x")));
        assertThat(notAPeer.statusCode()).isEqualTo(400);

        assertThat(get(second, "/actuator/prometheus")).contains("libp2p_peers_connected");
        assertThat(get(second, "/actuator/metrics")).contains("libp2p.");
    }

    @Test
    void badRequestsNameWhatIsWrong() throws Exception {
        ConfigurableApplicationContext node = start("alone");
        HttpResponse<String> badName = send(node, HttpRequest.newBuilder(uri(node, "/api/dht/has%20space"))
                .PUT(HttpRequest.BodyPublishers.ofString("x")));
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(badName.body()).contains("a record name is 1 to 64 letters");
        HttpResponse<String> tooBig = send(node, HttpRequest.newBuilder(uri(node, "/api/dht/big"))
                .PUT(HttpRequest.BodyPublishers.ofString("x".repeat(SampleRecords.MAX_VALUE_BYTES + 1))));
        assertThat(tooBig.statusCode()).isEqualTo(400);
        assertThat(tooBig.body()).contains("at most 4096");
        HttpResponse<String> badPeer = send(node, HttpRequest.newBuilder(uri(node, "/api/ping/not-a-peer")).GET());
        assertThat(badPeer.statusCode()).isEqualTo(400);
        assertThat(badPeer.body()).contains("not a peer id");
        String stranger = io.github.p2pboot.identity.PrivateKey.generateEd25519().peerId().toString();
        HttpResponse<String> unknownPeer = send(node, HttpRequest.newBuilder(uri(node, "/api/ping/" + stranger)).GET());
        assertThat(unknownPeer.statusCode()).as(unknownPeer.body()).isEqualTo(404);
        assertThat(unknownPeer.body()).contains("no address known");
        HttpResponse<String> missing = send(node, HttpRequest.newBuilder(uri(node, "/api/dht/nothing-here")).GET());
        assertThat(missing.statusCode()).isEqualTo(404);
    }

    private ConfigurableApplicationContext start(String name, String... extra) {
        List<String> args = new ArrayList<>(List.of("--server.port=0",
                "--libp2p.identity.key-file=" + dir.resolve(name + ".key"),
                "--libp2p.peer-store.file=" + dir.resolve(name + ".peers"),
                "--libp2p.listen=/ip4/127.0.0.1/udp/0/quic-v1,/ip4/127.0.0.1/tcp/0"));
        args.addAll(List.of(extra));
        ConfigurableApplicationContext app = SpringApplication.run(SampleApplication.class, args.toArray(String[]::new));
        apps.add(app);
        return app;
    }

    private static URI uri(ConfigurableApplicationContext app, String path) {
        return URI.create("http://127.0.0.1:" + ((WebServerApplicationContext) app).getWebServer().getPort() + path);
    }

    private static String get(ConfigurableApplicationContext app, String path) throws Exception {
        return send(app, HttpRequest.newBuilder(uri(app, path)).GET()).body().replace(" ", "");
    }

    private static HttpResponse<String> send(ConfigurableApplicationContext app, HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(40)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
