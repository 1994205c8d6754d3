package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.resource.ResourceManager;
import io.github.p2pboot.swarm.CloseCause;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Direction;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmListener;
import io.github.p2pboot.swarm.TransportTraffic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;

/**
 * The node's meters: {@code libp2p.peers.connected}, {@code libp2p.connections} (by direction,
 * transport and outcome: {@code established}, {@code failed} for a dial that did not connect, or
 * how it closed) and
 * {@code libp2p.reconnect.attempts} (by outcome), {@code libp2p.kademlia.queries} (a timer by
 * type and outcome), what peers make the node hold ({@code libp2p.resources.connections} by
 * direction, {@code libp2p.resources.pending.upgrades}, {@code libp2p.resources.streams},
 * {@code libp2p.resources.memory} in bytes), {@code libp2p.incidents}: refusals and peer
 * errors, by kind; {@code libp2p.dial.latency} (a histogram timer of dials by outcome) and
 * {@code libp2p.streams} (streams opened, by protocol and direction; protocols are the ones this
 * node serves or asks for, so peers cannot grow the tag set) and {@code libp2p.transport.bytes}
 * (by transport and direction).
 */
public class Libp2pMetrics implements MeterBinder, SwarmListener {

    private final Swarm swarm;
    private final Kademlia kademlia;
    private final PeerConnectivity connectivity;
    private volatile MeterRegistry registry;

    public Libp2pMetrics(Swarm swarm, Kademlia kademlia, PeerConnectivity connectivity) {
        this.swarm = swarm;
        this.kademlia = kademlia;
        this.connectivity = connectivity;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("libp2p.peers.connected", swarm, s -> s.connectedPeers().size())
                .description("Peers with at least one open connection").register(registry);
        FunctionCounter.builder("libp2p.reconnect.attempts", connectivity, PeerConnectivity::successfulAttempts)
                .tag("outcome", "success").description("Attempts to reach the bootstrap peers again").register(registry);
        FunctionCounter.builder("libp2p.reconnect.attempts", connectivity, PeerConnectivity::failedAttempts)
                .tag("outcome", "failure").description("Attempts to reach the bootstrap peers again").register(registry);
        ResourceManager resources = swarm.resources();
        Gauge.builder("libp2p.resources.connections", resources, r -> r.usage().inboundConnections()).tag("direction", "inbound")
                .description("Established connections, against libp2p.limits").register(registry);
        Gauge.builder("libp2p.resources.connections", resources, r -> r.usage().outboundConnections()).tag("direction", "outbound")
                .description("Established connections, against libp2p.limits").register(registry);
        Gauge.builder("libp2p.resources.pending.upgrades", resources, r -> r.usage().pendingUpgrades())
                .description("Inbound connections still authenticating").register(registry);
        Gauge.builder("libp2p.resources.streams", resources, r -> r.usage().streams())
                .description("Open streams").register(registry);
        Gauge.builder("libp2p.resources.memory", resources, r -> r.usage().memory()).baseUnit("bytes")
                .description("Bytes buffered for peers, reserved from libp2p.limits.max-memory").register(registry);
        Gauge.builder("libp2p.kademlia.store.bytes", kademlia, k -> k.storeUsage().bytes()).baseUnit("bytes")
                .description("Estimated heap held by the Kademlia records and provider entries this node stores").register(registry);
        FunctionCounter.builder("libp2p.kademlia.store.refused", kademlia, k -> k.storeUsage().refused())
                .description("Records and provider entries from peers the Kademlia store refused").register(registry);
        Gauge.builder("libp2p.peerstore.bytes", swarm, s -> s.peerStore().usage().estimatedBytes()).baseUnit("bytes")
                .description("Estimated heap held by the peer store").register(registry);
        resources.incidents().onKind(kind -> FunctionCounter.builder("libp2p.incidents", resources.incidents(), i -> i.total(kind))
                .tag("kind", kind).description("What peers did that the node refused or closed for").register(registry));
        for (String transport : new String[] {"quic-v1", "tcp"}) {
            for (boolean received : new boolean[] {true, false}) {
                FunctionCounter.builder("libp2p.transport.bytes", swarm, s -> {
                            TransportTraffic traffic = s.traffic().get(transport);
                            return traffic == null ? 0 : received ? traffic.bytesReceived() : traffic.bytesSent();
                        })
                        .tag("transport", transport).tag("direction", received ? "received" : "sent").baseUnit("bytes")
                        .description("Bytes on the wire by transport, encryption and framing included").register(registry);
            }
        }
        swarm.addListener(this);
        kademlia.addQueryListener((type, outcome, duration) -> Timer.builder("libp2p.kademlia.queries")
                .description("Kademlia lookups by type and outcome").tag("type", type).tag("outcome", outcome)
                .register(registry).record(duration));
    }

    @Override
    public void connectionOpened(Connection connection, int established) {
        count(connection, "established");
    }

    @Override
    public void connectionClosed(Connection connection, CloseCause cause, int remaining) {
        count(connection, "closed_" + cause.kind().name().toLowerCase(Locale.ROOT));
    }

    @Override
    public void dialFinished(io.github.p2pboot.identity.PeerId peer, java.time.Duration duration, Throwable error) {
        MeterRegistry meters = registry;
        if (meters != null) {
            Timer.builder("libp2p.dial.latency").description("Dials of a peer, from the first address tried to a connection or the last failure")
                    .tag("outcome", error == null ? "success" : "failure").publishPercentileHistogram()
                    .register(meters).record(duration);
        }
    }

    @Override
    public void streamOpened(io.github.p2pboot.swarm.Stream stream) {
        MeterRegistry meters = registry;
        if (meters != null) {
            Counter.builder("libp2p.streams").description("Streams opened, by protocol and direction")
                    .tag("protocol", stream.protocol()).tag("direction", stream.direction().name().toLowerCase(Locale.ROOT))
                    .register(meters).increment();
        }
    }

    @Override
    public void dialFailed(Multiaddr address, String transport, Throwable cause) {
        count(Direction.OUTBOUND, transport, "failed");
    }

    private void count(Connection connection, String outcome) {
        count(connection.direction(), connection.transport(), outcome);
    }

    private void count(Direction direction, String transport, String outcome) {
        MeterRegistry meters = registry;
        if (meters != null) {
            Counter.builder("libp2p.connections").description("Connections by how they opened or closed, and dials that failed")
                    .tag("direction", direction.name().toLowerCase(Locale.ROOT))
                    .tag("transport", transport)
                    .tag("outcome", outcome)
                    .register(meters).increment();
        }
    }
}
