package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.keeper.KeptPeerStatus;
import io.github.p2pboot.keeper.PeerKeeper;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.CloseCause;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmListener;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.context.ApplicationEventPublisher;

/**
 * The Spring side of staying joined. The engine's {@link PeerKeeper} does the work (it redials the
 * bootstrap and protected peers with spring-retry's back-off and looks for more peers below its
 * target); this class starts and stops it with the application, turns connection changes into
 * Spring events ({@link Libp2pEvents}), and tells health, the endpoint and metrics where the node
 * stands against {@code libp2p.health.min-peers}.
 *
 * <p>Events are published in order on a thread of its own, never on Netty event loops.
 */
public class PeerConnectivity implements SwarmListener {

    private static final Logger log = LoggerFactory.getLogger(PeerConnectivity.class);

    /**
     * How long a starting node may take to reach its bootstrap peers before a shortfall is a
     * warning: a normal start is short of peers for its first dials, and says so at INFO.
     */
    static final Duration JOIN_GRACE = Duration.ofSeconds(15);

    private final Swarm swarm;
    private final PeerKeeper keeper;
    private final List<Multiaddr> bootstrapPeers;
    private final int minPeers;
    private final ApplicationEventPublisher events;
    private volatile ScheduledExecutorService notifier;
    private volatile boolean joined;
    private volatile java.util.concurrent.ScheduledFuture<?> joinCheck;
    private volatile boolean running;
    private volatile Boolean sufficient;

    public PeerConnectivity(Swarm swarm, PeerKeeper keeper, List<Multiaddr> bootstrapPeers, int minPeers, ApplicationEventPublisher events) {
        this.swarm = swarm;
        this.keeper = keeper;
        this.bootstrapPeers = List.copyOf(bootstrapPeers);
        this.minPeers = minPeers;
        this.events = events;
    }

    /**
     * Starts watching the swarm and, if asked, the peer keeper, which dials the bootstrap peers and
     * the peers it remembers at once.
     */
    public synchronized void start(boolean keepPeers) {
        if (running) {
            return;
        }
        running = true;
        notifier = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "libp2p-events");
            thread.setDaemon(true);
            return thread;
        });
        swarm.addListener(this);
        notifier.execute(this::evaluate);
        joinCheck = notifier.schedule(this::warnIfNotJoined, JOIN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        if (keepPeers) {
            keeper.start();
        }
    }

    /** Stops the keeper and the events. */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        keeper.close();
        swarm.removeListener(this);
        // A delayed task would otherwise still run after shutdown, and stop would wait for it.
        joinCheck.cancel(false);
        notifier.shutdown();
        try {
            notifier.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void connectionOpened(Connection connection, int established) {
        notify(() -> {
            if (established == 1) {
                events.publishEvent(new Libp2pEvents.PeerConnected(swarm, connection.remotePeer()));
            }
            evaluate();
        });
    }

    @Override
    public void connectionClosed(Connection connection, CloseCause cause, int remaining) {
        notify(() -> {
            if (remaining == 0) {
                events.publishEvent(new Libp2pEvents.PeerDisconnected(swarm, connection.remotePeer(), cause));
            }
            evaluate();
        });
    }

    /**
     * An event loop died or is blocked: the node no longer serves all its peers. Spring Boot's
     * liveness state goes BROKEN, so {@code /actuator/health/liveness} fails and a supervisor
     * (Kubernetes, systemd) restarts the application rather than leave it half-dead.
     */
    @Override
    public void eventLoopUnresponsive(int index) {
        AvailabilityChangeEvent.publish(events, swarm, LivenessState.BROKEN);
    }

    private void notify(Runnable task) {
        ScheduledExecutorService executor = notifier;
        if (running && executor != null && !executor.isShutdown()) {
            try {
                executor.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                // Stopped meanwhile.
            }
        }
    }

    /**
     * Logs and publishes each change between enough and too few peers, once. A start short of peers
     * is normal while the first dials run: INFO, and a WARN only if it lasts ({@link #JOIN_GRACE}).
     */
    private void evaluate() {
        int connected = swarm.connectedPeers().size();
        boolean now = connected >= minPeers;
        Boolean before = sufficient;
        if (before != null && before == now) {
            return;
        }
        sufficient = now;
        if (now && minPeers == 0 && before == null) {
            log.info("libp2p node needs no peers to be healthy (libp2p.health.min-peers is 0{}): {} connected",
                    bootstrapPeers.isEmpty() ? "; with no bootstrap peers it is the first node of its network" : "", connected);
        } else if (now) {
            log.info(joined ? "libp2p node has enough peers again: {} connected, {} required"
                    : "libp2p node joined its network: {} peers connected, {} required", connected, minPeers);
        } else if (!joined) {
            log.info("libp2p node is joining its network: {} of {} required peers connected so far", connected, minPeers);
        } else {
            log.warn("libp2p node has insufficient peers: {} connected, {} required", connected, minPeers);
        }
        joined |= now;
        events.publishEvent(new Libp2pEvents.SufficiencyChanged(swarm, now, connected, minPeers));
    }

    /** A node still short of peers {@link #JOIN_GRACE} after start, without ever having had enough. */
    private void warnIfNotJoined() {
        int connected = swarm.connectedPeers().size();
        if (running && !joined && connected < minPeers) {
            log.warn("libp2p node has insufficient peers {} s after start: {} connected, {} required{}", JOIN_GRACE.toSeconds(),
                    connected, minPeers, lastError().map(error -> "; last dial errors: " + error).orElse(""));
        }
    }

    public PeerKeeper keeper() {
        return keeper;
    }

    /** The configured bootstrap addresses, each with its {@code /p2p} id. */
    public List<Multiaddr> bootstrapPeers() {
        return bootstrapPeers;
    }

    /** How many distinct bootstrap peers there are (a peer may have several addresses). */
    public int bootstrapPeerCount() {
        return keeper.config().bootstrapPeers().size();
    }

    public int bootstrapPeersConnected() {
        return (int) keeper.keptPeers().stream().filter(p -> p.bootstrap() && p.connected()).count();
    }

    public int minPeers() {
        return minPeers;
    }

    public boolean isSufficient() {
        return swarm.connectedPeers().size() >= minPeers;
    }

    /** Whether some bootstrap or protected peer is missing and still being redialled. */
    public boolean isReconnecting() {
        return keeper.isReconnecting();
    }

    /** When the next redial is due, while the keeper waits out a back-off. */
    public Optional<Instant> nextAttempt() {
        return keeper.nextAttempt();
    }

    /** Why the last dial of each missing kept peer failed, if any did. */
    public Optional<String> lastError() {
        List<String> errors = keeper.keptPeers().stream().filter(p -> !p.connected() && p.lastError().isPresent())
                .map(p -> p.peer() + ": " + p.lastError().get()).toList();
        return errors.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", errors));
    }

    /** Where the keeper stands with each bootstrap and protected peer. */
    public List<KeptPeerStatus> keptPeers() {
        return keeper.keptPeers();
    }

    public long successfulAttempts() {
        return keeper.successfulDials();
    }

    public long failedAttempts() {
        return keeper.failedDials();
    }
}
