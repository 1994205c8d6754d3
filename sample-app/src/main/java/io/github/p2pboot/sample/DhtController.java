package io.github.p2pboot.sample;

import io.github.p2pboot.swarm.Futures;
import io.github.p2pboot.kademlia.Kademlia;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Kademlia records over REST, under the {@code /sample/} namespace that {@link SampleRecords}
 * validates: {@code PUT /api/dht/greeting} with the value as the body stores {@code /sample/greeting}
 * on the peers closest to it, and {@code GET /api/dht/greeting} finds it from any node.
 */
@RestController
@RequestMapping("/api/dht")
class DhtController {

    /** A lookup's budget; the DHT's own query timeout may be longer. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Kademlia kademlia;

    DhtController(Kademlia kademlia) {
        this.kademlia = kademlia;
    }

    record Stored(String key, int storedOnPeers) {
    }

    @PutMapping(path = "/{name}", consumes = MediaType.ALL_VALUE)
    CompletableFuture<Stored> put(@PathVariable String name, @RequestBody(required = false) byte[] value) {
        byte[] key = SampleRecords.key(name);
        byte[] body = value == null ? new byte[0] : value;
        SampleRecords.check(key, body);
        return kademlia.putValue(key, body).orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(result -> new Stored(new String(key, StandardCharsets.UTF_8), result.value()))
                .exceptionally(error -> {
                    throw failure(error);
                });
    }

    @GetMapping(path = "/{name}", produces = MediaType.TEXT_PLAIN_VALUE)
    CompletableFuture<ResponseEntity<String>> get(@PathVariable String name) {
        byte[] key = SampleRecords.key(name);
        return kademlia.getValue(key).orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(result -> result.value()
                        .map(value -> ResponseEntity.ok(new String(value, StandardCharsets.UTF_8)))
                        .orElseGet(() -> ResponseEntity.status(HttpStatus.NOT_FOUND)
                                .body("no record " + new String(key, StandardCharsets.UTF_8) + " found on " + result.closestPeers().size()
                                        + " peers asked")))
                .exceptionally(error -> {
                    throw failure(error);
                });
    }

    private static ResponseStatusException failure(Throwable error) {
        Throwable cause = Futures.unwrap(error);
        if (cause instanceof TimeoutException) {
            return new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT, "the DHT did not answer within " + TIMEOUT.toSeconds() + " s");
        }
        if (cause instanceof IllegalArgumentException) {
            return new ResponseStatusException(HttpStatus.BAD_REQUEST, cause.getMessage());
        }
        return new ResponseStatusException(HttpStatus.BAD_GATEWAY, "DHT query failed: " + cause.getMessage());
    }
}
