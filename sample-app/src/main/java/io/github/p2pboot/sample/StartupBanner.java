package io.github.p2pboot.sample;

import io.github.p2pboot.autoconfigure.Libp2pProperties;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.Swarm;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Prints the node's peer id and dialable addresses once the application is ready, and the exact
 * arguments a second node on this machine needs: its own identity file (two nodes with one key file
 * would be one peer twice, so the second would fail on the file's lock), its own ports, and this node
 * as its bootstrap peer.
 */
@Component
class StartupBanner {

    private final Swarm swarm;
    private final Libp2pProperties properties;
    private final Environment environment;

    StartupBanner(Swarm swarm, Libp2pProperties properties, Environment environment) {
        this.swarm = swarm;
        this.properties = properties;
        this.environment = environment;
    }

    @EventListener(ApplicationReadyEvent.class)
    void print() {
        System.out.println("Peer ID: " + swarm.localPeerId());
        swarm.listenAddresses().forEach(address -> System.out.println("Listening on " + address.withPeerId(swarm.localPeerId())));
        System.out.println("Identity: " + (properties.getIdentity().isEphemeral() ? "ephemeral (a new peer id each start)"
                : properties.getIdentity().getKeyFile().toAbsolutePath()));
        System.out.println("HTTP: http://localhost:" + environment.getProperty("local.server.port", "8080") + "/api/info");
        List<Multiaddr> loopback = swarm.listenAddresses().stream()
                .filter(address -> address.toString().startsWith("/ip4/127.0.0.1/")).toList();
        if (!loopback.isEmpty()) {
            System.out.println("Join a second node on this machine with:");
            System.out.println("  java -jar sample-app/target/libp2p-sample-app-0.1.0-SNAPSHOT.jar --server.port=8081 \\");
            System.out.println("    --libp2p.identity.key-file=.libp2p/node2.key \\");
            System.out.println("    --libp2p.listen=/ip4/0.0.0.0/udp/4002/quic-v1,/ip4/0.0.0.0/tcp/4002 \\");
            System.out.println("    --libp2p.bootstrap.peers=" + loopback.stream()
                    .map(address -> address.withPeerId(swarm.localPeerId()).toString()).collect(Collectors.joining(",")));
        }
    }
}
