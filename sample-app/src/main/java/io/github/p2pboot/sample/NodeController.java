package io.github.p2pboot.sample;

import io.github.p2pboot.swarm.Futures;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/** The node itself over REST: who it is, whom it is connected to, and a libp2p ping to any peer. */
@RestController
@RequestMapping("/api")
class NodeController {

    /** A ping's whole budget: dialling the peer if need be, and the round trip. */
    static final Duration PING_TIMEOUT = Duration.ofSeconds(10);

    private final Swarm swarm;
    private final Kademlia kademlia;

    NodeController(Swarm swarm, Kademlia kademlia) {
        this.swarm = swarm;
        this.kademlia = kademlia;
    }

    record Info(String peerId, List<String> listenAddresses, int connectedPeers, int routingTableSize) {
    }

    record Peer(String peerId, String address, String transport, String direction, Instant since) {
    }

    record PingResult(String peerId, String address, double rttMillis) {
    }

    @GetMapping("/info")
    Info info() {
        return new Info(swarm.localPeerId().toString(),
                swarm.listenAddresses().stream().map(address -> address.withPeerId(swarm.localPeerId()).toString()).toList(),
                swarm.connectedPeers().size(), kademlia.routingTableSize());
    }

    /** One entry per connection (a peer may have a QUIC and a TCP one), oldest first. */
    @GetMapping("/peers")
    List<Peer> peers() {
        return swarm.connections().stream().sorted(Comparator.comparing(Connection::openedAt))
                .map(c -> new Peer(c.remotePeer().toString(), c.remoteAddress().toString(), c.transport(),
                        c.direction().name().toLowerCase(java.util.Locale.ROOT), c.openedAt()))
                .toList();
    }

    /**
     * Pings the peer over libp2p ({@code /ipfs/ping/1.0.0}), over its current connection, or after
     * dialling an address the node knows for it (its peer store, else a Kademlia lookup).
     */
    @GetMapping("/ping/{peerId}")
    CompletableFuture<PingResult> ping(@PathVariable String peerId) {
        PeerId peer = parse(peerId);
        if (peer.equals(swarm.localPeerId())) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "that is this node's own peer id");
        }
        return connect(peer)
                .thenCompose(connection -> Ping.ping(connection)
                        .thenApply(rtt -> new PingResult(peerId, connection.remoteAddress().toString(), rtt.toNanos() / 1e6)))
                .orTimeout(PING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(error -> {
                    throw failure(peer, error);
                });
    }

    private CompletableFuture<Connection> connect(PeerId peer) {
        if (swarm.connection(peer) != null || !swarm.peerStore().dialAddresses(peer).isEmpty()) {
            return swarm.dial(peer);
        }
        return kademlia.findPeer(peer).thenCompose(found -> {
            List<Multiaddr> addresses = found.value();
            if (addresses.isEmpty()) {
                throw new ResponseStatusException(HttpStatus.NOT_FOUND,
                        "no address known for " + peer + ": not connected, not in the peer store, not found in Kademlia");
            }
            return swarm.dial(peer, addresses);
        });
    }

    private static ResponseStatusException failure(PeerId peer, Throwable error) {
        Throwable cause = Futures.unwrap(error);
        if (cause instanceof ResponseStatusException status) {
            return status;
        }
        if (cause instanceof TimeoutException) {
            return new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT, "no answer from " + peer + " within " + PING_TIMEOUT.toSeconds() + " s");
        }
        return new ResponseStatusException(HttpStatus.BAD_GATEWAY, "ping to " + peer + " failed: " + cause.getMessage());
    }

    static PeerId parse(String peerId) {
        try {
            return PeerId.parse(peerId);
        } catch (IllegalArgumentException e) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "not a peer id: " + e.getMessage());
        }
    }
}
