package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmListener;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Micrometer Observations of the node: {@code libp2p.dial} for each dial of a peer (low
 * cardinality: {@code outcome}; high: {@code peer}) and {@code libp2p.stream} for each stream
 * from the agreement on its protocol to its close (low cardinality: {@code protocol},
 * {@code direction}) and {@code libp2p.kademlia.query} for each Kademlia lookup (low cardinality:
 * {@code type}, {@code outcome}). With Spring Boot's observation handlers they become timers and
 * traces.
 */
public class Libp2pObservations implements SwarmListener {

    private final ObservationRegistry registry;
    /** One dial per peer at a time: the swarm joins a second caller to the dial under way. */
    private final Map<PeerId, Observation> dials = new ConcurrentHashMap<>();

    public Libp2pObservations(Swarm swarm, Kademlia kademlia, ObservationRegistry registry) {
        this.registry = registry;
        swarm.addListener(this);
        kademlia.addQueryObserver(type -> {
            Observation query = Observation.createNotStarted("libp2p.kademlia.query", registry)
                    .contextualName("kademlia " + type).lowCardinalityKeyValue("type", type).start();
            return (outcome, error) -> {
                query.lowCardinalityKeyValue("outcome", outcome);
                if (error != null) {
                    query.error(error);
                }
                query.stop();
            };
        });
    }

    @Override
    public void dialStarted(PeerId peer) {
        Observation dial = Observation.createNotStarted("libp2p.dial", registry).contextualName("libp2p dial")
                .highCardinalityKeyValue("peer", peer.toString()).start();
        Observation previous = dials.put(peer, dial);
        if (previous != null) {
            previous.stop();
        }
    }

    @Override
    public void dialFinished(PeerId peer, Duration duration, Throwable error) {
        Observation dial = dials.remove(peer);
        if (dial == null) {
            return;
        }
        dial.lowCardinalityKeyValue("outcome", error == null ? "success" : "failure");
        if (error != null) {
            dial.error(error);
        }
        dial.stop();
    }

    @Override
    public void streamOpened(Stream stream) {
        Observation observation = Observation.createNotStarted("libp2p.stream", registry)
                .contextualName("libp2p stream " + stream.protocol())
                .lowCardinalityKeyValue("protocol", stream.protocol())
                .lowCardinalityKeyValue("direction", stream.direction().name().toLowerCase(Locale.ROOT))
                .highCardinalityKeyValue("peer", stream.remotePeer().toString())
                .start();
        stream.closed().whenComplete((v, e) -> observation.stop());
    }
}
