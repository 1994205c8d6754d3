package io.github.p2pboot.keeper;

import io.github.p2pboot.swarm.Futures;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.kademlia.Kademlia;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.CloseCause;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmListener;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a node joined to its network, a behaviour on top of the {@link Swarm}:
 *
 * <ul>
 *   <li>Bootstrap and protected peers stay connected: when a peer's last connection closes it is
 *       redialled at once, and after failed dials again with a {@link ReconnectBackOff} of its own.
 *   <li>At start it dials, besides those, the peers the peer store knows, most recently seen first.
 *   <li>Below {@link PeerKeeperConfig#targetPeers()} it dials known peers (peer store, Kademlia
 *       routing table) and runs Kademlia random walks to find more, every
 *       {@link PeerKeeperConfig#discoveryInterval()} until the target is reached; while rounds
 *       bring nobody new (a network smaller than the target) the wait doubles, up to a minute.
 *   <li>When peers come back after the node was alone, it refreshes the Kademlia routing table.
 *   <li>Bootstrap and protected peers are on the swarm's resource allowlist: no flood of others
 *       can take the connections and streams they need.
 * </ul>
 *
 * <pre>{@code
 * PeerKeeper keeper = new PeerKeeper(swarm, PeerKeeperConfig.builder()
 *         .bootstrapPeer(Multiaddr.parse("/ip4/198.51.100.7/udp/4001/quic-v1/p2p/12D3Koo..."))
 *         .targetPeers(8).build(), kademlia);
 * keeper.start();
 * }</pre>
 *
 * <p>Its work runs on a thread of its own, never on Netty event loops or the caller's thread.
 * Thread-safe.
 */
public final class PeerKeeper implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PeerKeeper.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** How many of the most recently connected peers are considered first. */
    private static final int RECENT_PEERS = 64;
    private static final Duration MAX_DISCOVERY_WAIT = Duration.ofMinutes(1);

    private final Swarm swarm;
    private final PeerKeeperConfig config;
    private final Kademlia kademlia;
    /** Fixed at construction; each entry's fields are written on the keeper thread only. */
    private final Map<PeerId, KeptPeer> kept = new LinkedHashMap<>();
    private final List<PeerKeeperListener> listeners = new CopyOnWriteArrayList<>();
    private final SwarmListener swarmListener = new SwarmEvents();
    private final AtomicLong successfulDials = new AtomicLong();
    private final AtomicLong failedDials = new AtomicLong();
    private volatile ScheduledExecutorService executor;
    private volatile boolean running;
    // Confined to the keeper thread:
    private final Set<PeerId> discoveryDials = new java.util.HashSet<>();
    private ScheduledFuture<?> discoveryTask;
    /** The wait before the next discovery round: doubles while rounds find nobody new, up to a minute. */
    private Duration discoveryWait;
    private int connectedAtLastRound = -1;
    private boolean alone = true;

    private static final class KeptPeer {
        final PeerId peer;
        final boolean bootstrap;
        /** Empty for a protected peer: the peer store knows its addresses. */
        final List<Multiaddr> addresses;
        ReconnectBackOff.Schedule schedule;
        ScheduledFuture<?> retry;
        boolean dialling;
        volatile int failures;
        volatile Instant nextAttempt;
        volatile String lastError;
        volatile boolean gaveUp;

        KeptPeer(PeerId peer, boolean bootstrap, List<Multiaddr> addresses) {
            this.peer = peer;
            this.bootstrap = bootstrap;
            this.addresses = addresses;
        }
    }

    /** A keeper without Kademlia: it keeps the configured peers and dials peers it knows. */
    public PeerKeeper(Swarm swarm, PeerKeeperConfig config) {
        this(swarm, config, null);
    }

    /** @param kademlia where to look for more peers and which routing table to refresh; may be null */
    public PeerKeeper(Swarm swarm, PeerKeeperConfig config, Kademlia kademlia) {
        this.swarm = swarm;
        this.config = config;
        this.kademlia = kademlia;
        config.bootstrapPeers().forEach((peer, addresses) -> kept.put(peer, new KeptPeer(peer, true, addresses)));
        for (PeerId peer : config.protectedPeers()) {
            kept.putIfAbsent(peer, new KeptPeer(peer, false, List.of()));
        }
        // The peers we must stay joined to are never starved by others' connections or streams.
        kept.keySet().forEach(swarm.resources()::allow);
    }

    public PeerKeeperConfig config() {
        return config;
    }

    public void addListener(PeerKeeperListener listener) {
        listeners.add(listener);
    }

    /** Starts keeping: dials the kept peers and the most recently seen known peers at once. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "libp2p-peer-keeper");
            thread.setDaemon(true);
            return thread;
        });
        swarm.addListener(swarmListener);
        run(() -> {
            kept.values().forEach(this::dialKept);
            discover();
        });
    }

    /** Stops keeping; dials in progress are left to finish or time out. Idempotent. */
    @Override
    public synchronized void close() {
        if (!running) {
            return;
        }
        running = false;
        swarm.removeListener(swarmListener);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean isRunning() {
        return running;
    }

    /** Where the keeper stands with each bootstrap and protected peer, in configuration order. */
    public List<KeptPeerStatus> keptPeers() {
        Set<PeerId> connected = swarm.connectedPeers();
        List<KeptPeerStatus> status = new ArrayList<>();
        for (KeptPeer peer : kept.values()) {
            status.add(new KeptPeerStatus(peer.peer, peer.bootstrap, connected.contains(peer.peer), peer.failures,
                    Optional.ofNullable(peer.nextAttempt), Optional.ofNullable(peer.lastError), peer.gaveUp));
        }
        return status;
    }

    /** Whether some kept peer is missing and the keeper is still trying to reach it. */
    public boolean isReconnecting() {
        Set<PeerId> connected = swarm.connectedPeers();
        return kept.values().stream().anyMatch(p -> !connected.contains(p.peer) && !p.gaveUp);
    }

    /** The soonest dial due after a back-off, if the keeper is waiting out one. */
    public Optional<Instant> nextAttempt() {
        return kept.values().stream().map(p -> p.nextAttempt).filter(java.util.Objects::nonNull).min(Comparator.naturalOrder());
    }

    /** Dials of kept peers that connected. */
    public long successfulDials() {
        return successfulDials.get();
    }

    /** Dials of kept peers that failed. */
    public long failedDials() {
        return failedDials.get();
    }

    private void dialKept(KeptPeer peer) {
        if (!running || peer.dialling || swarm.connection(peer.peer) != null) {
            return;
        }
        if (peer.retry != null) {
            peer.retry.cancel(false);
            peer.retry = null;
        }
        peer.dialling = true;
        peer.nextAttempt = null;
        CompletableFuture<Connection> dial = peer.addresses.isEmpty() ? swarm.dial(peer.peer) : swarm.dial(peer.peer, peer.addresses);
        dial.orTimeout(config.dialTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((connection, error) -> run(() -> dialled(peer, error)));
    }

    private void dialled(KeptPeer peer, Throwable error) {
        peer.dialling = false;
        if (error == null) {
            successfulDials.incrementAndGet();
            reconnected(peer);
            listeners.forEach(l -> l.keptPeerConnected(peer.peer, peer.bootstrap));
            if (peer.bootstrap && kademlia != null) {
                kademlia.addPeer(peer.peer, peer.addresses);
            }
            return;
        }
        if (swarm.connection(peer.peer) != null) {
            // The peer dialled us meanwhile, or another dial of ours got through.
            reconnected(peer);
            return;
        }
        failedDials.incrementAndGet();
        Throwable cause = Futures.unwrap(error);
        String reason = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        peer.failures++;
        peer.lastError = reason;
        if (peer.schedule == null) {
            peer.schedule = config.backOff().start(peer.peer);
        }
        Optional<Duration> wait = peer.schedule.next(cause);
        int failures = peer.failures;
        listeners.forEach(l -> l.keptPeerDialFailed(peer.peer, cause, failures, wait));
        if (wait.isEmpty()) {
            peer.gaveUp = true;
            log.warn("Gave up dialling {} peer {} after {} failed attempts: {}", kind(peer), peer.peer, failures, reason);
            return;
        }
        // Once per doubling of the failures: an unreachable peer is visible without filling the log.
        if (Integer.bitCount(failures) == 1) {
            log.warn("Could not reach {} peer {} ({} failed attempt{}); retrying in {} ms: {}", kind(peer), peer.peer,
                    failures, failures == 1 ? "" : "s", wait.get().toMillis(), reason);
        } else {
            log.debug("Could not reach {} peer {} ({} failed attempts); retrying in {} ms: {}", kind(peer), peer.peer,
                    failures, wait.get().toMillis(), reason);
        }
        peer.nextAttempt = Instant.now().plus(wait.get());
        peer.retry = schedule(() -> dialKept(peer), wait.get());
    }

    private static String kind(KeptPeer peer) {
        return peer.bootstrap ? "bootstrap" : "protected";
    }

    private void reconnected(KeptPeer peer) {
        if (peer.retry != null) {
            peer.retry.cancel(false);
            peer.retry = null;
        }
        if (peer.failures > 0) {
            log.info("Reached {} peer {} again after {} failed attempt{}", kind(peer), peer.peer, peer.failures,
                    peer.failures == 1 ? "" : "s");
        }
        peer.schedule = null;
        peer.failures = 0;
        peer.nextAttempt = null;
        peer.lastError = null;
        peer.gaveUp = false;
    }

    /**
     * Below target: dials known peers that are not connected, the most recently seen first, then
     * asks Kademlia for more with a random walk, and comes back after the discovery interval.
     */
    private void discover() {
        if (!running) {
            return;
        }
        if (discoveryTask != null) {
            discoveryTask.cancel(false);
            discoveryTask = null;
        }
        int missing = config.targetPeers() - swarm.connectedPeers().size();
        if (missing <= 0) {
            return;
        }
        int connected = swarm.connectedPeers().size();
        // A small network may simply not have target-peers peers: look less often while rounds
        // bring nobody new, rather than walking the DHT every interval forever.
        if (discoveryWait == null || connected > connectedAtLastRound) {
            discoveryWait = config.discoveryInterval();
        } else {
            Duration longest = max(MAX_DISCOVERY_WAIT, config.discoveryInterval());
            discoveryWait = min(discoveryWait.multipliedBy(2), longest);
        }
        connectedAtLastRound = connected;
        dialKnownPeers(missing);
        if (kademlia != null && connected > 0) {
            byte[] randomKey = new byte[32];
            RANDOM.nextBytes(randomKey);
            kademlia.findClosestPeers(randomKey).whenComplete((result, error) -> run(() -> {
                int stillMissing = config.targetPeers() - swarm.connectedPeers().size();
                if (stillMissing > 0) {
                    dialKnownPeers(stillMissing);
                }
            }));
        }
        discoveryTask = schedule(this::discover, discoveryWait);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Dials up to {@code count} known, unconnected peers at once. */
    private void dialKnownPeers(int count) {
        Set<PeerId> connected = swarm.connectedPeers();
        // The peers we were connected to most recently first: after a restart, they are the ones
        // most likely still there.
        Set<PeerId> candidates = new LinkedHashSet<>(swarm.peerStore().recentlyConnected(RECENT_PEERS));
        candidates.addAll(swarm.peerStore().peers());
        if (kademlia != null) {
            candidates.addAll(kademlia.routingTablePeers());
        }
        int dialled = 0;
        for (PeerId peer : candidates) {
            if (dialled >= count) {
                break;
            }
            if (peer.equals(swarm.localPeerId()) || connected.contains(peer) || kept.containsKey(peer)
                    || discoveryDials.contains(peer) || swarm.peerStore().dialAddresses(peer).isEmpty()) {
                continue;
            }
            dialled++;
            discoveryDials.add(peer);
            swarm.dial(peer).orTimeout(config.dialTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((connection, error) -> run(() -> {
                        discoveryDials.remove(peer);
                        if (error != null) {
                            log.debug("Dial of known peer {} failed: {}", peer, error.getMessage());
                        }
                    }));
        }
    }

    /** Schedules {@code task} on the keeper thread; null if the keeper was closed meanwhile. */
    private ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        try {
            return executor.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            return null;
        }
    }

    private void run(Runnable task) {
        ScheduledExecutorService current = executor;
        if (!running || current == null) {
            return;
        }
        try {
            current.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.warn("Peer keeper task failed", e);
                }
            });
        } catch (RejectedExecutionException stopping) {
            // Closed meanwhile.
        }
    }

    /** The swarm's connection events, handed to the keeper thread. */
    private final class SwarmEvents implements SwarmListener {
        @Override
        public void connectionOpened(Connection connection, int established) {
            if (established != 1) {
                return;
            }
            run(() -> {
                KeptPeer peer = kept.get(connection.remotePeer());
                if (peer != null) {
                    reconnected(peer);
                }
                if (alone) {
                    // Peers are back after the node was alone: refresh what Kademlia knows.
                    alone = false;
                    if (kademlia != null) {
                        kademlia.bootstrap();
                    }
                }
                if (swarm.connectedPeers().size() < config.targetPeers() && discoveryTask == null) {
                    discover();
                }
            });
        }

        @Override
        public void connectionClosed(Connection connection, CloseCause cause, int remaining) {
            if (remaining != 0 || !swarm.isRunning()) {
                return;
            }
            run(() -> {
                if (swarm.connectedPeers().isEmpty()) {
                    alone = true;
                }
                KeptPeer peer = kept.get(connection.remotePeer());
                if (peer != null) {
                    // Found dead: the first redial goes at once; back-off is for repeated failures.
                    peer.schedule = null;
                    peer.failures = 0;
                    peer.gaveUp = false;
                    log.debug("Lost {} peer {} ({}): redialling", kind(peer), peer.peer, cause);
                    dialKept(peer);
                }
                if (swarm.connectedPeers().size() < config.targetPeers()) {
                    discover();
                }
            });
        }
    }
}
