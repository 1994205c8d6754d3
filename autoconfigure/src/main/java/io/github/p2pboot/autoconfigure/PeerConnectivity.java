package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.CloseCause;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.retry.RetryCallback;
import org.springframework.retry.RetryContext;
import org.springframework.retry.RetryListener;
import org.springframework.retry.policy.AlwaysRetryPolicy;
import org.springframework.retry.policy.SimpleRetryPolicy;
import org.springframework.retry.support.RetryTemplate;

/**
 * Keeps the node joined: dials the bootstrap peers, watches connections, and whenever a bootstrap
 * peer's connection closes or the node has fewer than {@code min-peers} peers, redials the missing
 * bootstrap peers with exponential back-off (a spring-retry {@link RetryTemplate}) until they are
 * back. It reacts to the swarm's close events, so an outage is acted on at once rather than at the
 * next poll.
 *
 * <p>Its work runs on two threads of its own, never on application threads or Netty event loops:
 * one redials (it sleeps through back-off), the other publishes events in order.
 */
public class PeerConnectivity implements SwarmListener {

    private static final Logger log = LoggerFactory.getLogger(PeerConnectivity.class);

    private final Swarm swarm;
    private final List<Multiaddr> bootstrapPeers;
    /** The bootstrap addresses by peer: a peer listed with QUIC and TCP addresses is one peer. */
    private final Map<PeerId, List<Multiaddr>> bootstrapAddresses;
    private final int minPeers;
    private final Duration dialTimeout;
    private final RetryTemplate retryTemplate;
    private final ApplicationEventPublisher events;
    private final AtomicBoolean reconnecting = new AtomicBoolean();
    private final AtomicLong successfulAttempts = new AtomicLong();
    private final AtomicLong failedAttempts = new AtomicLong();
    private final List<BootstrapListener> bootstrapListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile ExecutorService redialer;
    private volatile ExecutorService notifier;
    private volatile boolean running;
    private volatile Boolean sufficient;
    private volatile Instant nextAttempt;
    private volatile String lastError;

    /** Told when a bootstrap peer is connected, e.g. to add it to Kademlia. */
    public interface BootstrapListener {
        /** @param addresses the peer's configured addresses, without {@code /p2p} */
        void bootstrapPeerConnected(PeerId peer, List<Multiaddr> addresses);
    }

    PeerConnectivity(Swarm swarm, List<Multiaddr> bootstrapPeers, int minPeers, Libp2pSettings.ReconnectSettings reconnect,
            Duration dialTimeout, ApplicationEventPublisher events) {
        this.swarm = swarm;
        this.bootstrapPeers = List.copyOf(bootstrapPeers);
        Map<PeerId, List<Multiaddr>> byPeer = new LinkedHashMap<>();
        for (Multiaddr address : bootstrapPeers) {
            byPeer.computeIfAbsent(address.peerId().orElseThrow(), p -> new ArrayList<>()).add(address.withoutPeerId());
        }
        this.bootstrapAddresses = Collections.unmodifiableMap(byPeer);
        this.minPeers = minPeers;
        this.dialTimeout = dialTimeout;
        this.events = events;
        this.retryTemplate = new RetryTemplate();
        retryTemplate.setRetryPolicy(reconnect.maxAttempts() == 0 ? new AlwaysRetryPolicy() : new SimpleRetryPolicy(reconnect.maxAttempts()));
        retryTemplate.setBackOffPolicy(new JitteredExponentialBackOffPolicy(reconnect, wait -> nextAttempt = Instant.now().plus(wait)));
        retryTemplate.registerListener(new RetryListener() {
            @Override
            public <T, E extends Throwable> void onError(RetryContext context, RetryCallback<T, E> callback, Throwable error) {
                log.debug("Reconnection attempt {} failed: {}", context.getRetryCount(), error.getMessage());
            }
        });
    }

    /** Starts watching the swarm and, if asked, dials the bootstrap peers. */
    public synchronized void start(boolean dialBootstrapPeers) {
        if (running) {
            return;
        }
        running = true;
        redialer = Executors.newSingleThreadExecutor(daemon("libp2p-reconnect"));
        notifier = Executors.newSingleThreadExecutor(daemon("libp2p-events"));
        swarm.addListener(this);
        notifier.execute(this::evaluate);
        if (dialBootstrapPeers) {
            reconnect("start");
        }
    }

    /** Stops redialling; an attempt in progress is abandoned. */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        swarm.removeListener(this);
        redialer.shutdownNow();
        notifier.shutdown();
        try {
            redialer.awaitTermination(5, TimeUnit.SECONDS);
            notifier.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public void addBootstrapListener(BootstrapListener listener) {
        bootstrapListeners.add(listener);
    }

    @Override
    public void connectionOpened(Connection connection, int established) {
        notify(() -> {
            if (swarm.connections(connection.remotePeer()).size() == 1) {
                events.publishEvent(new Libp2pEvents.PeerConnected(swarm, connection.remotePeer()));
            }
            evaluate();
        });
    }

    @Override
    public void connectionClosed(Connection connection, CloseCause cause, int remaining) {
        notify(() -> {
            if (swarm.connections(connection.remotePeer()).isEmpty()) {
                events.publishEvent(new Libp2pEvents.PeerDisconnected(swarm, connection.remotePeer(), cause));
            }
            evaluate();
        });
        if (isBootstrapPeer(connection.remotePeer()) || swarm.connectedPeers().size() < minPeers) {
            reconnect("lost " + connection.remotePeer() + " (" + cause + ")");
        }
    }

    private void notify(Runnable task) {
        ExecutorService executor = notifier;
        if (running && executor != null && !executor.isShutdown()) {
            executor.execute(task);
        }
    }

    /** Logs and publishes each change between enough and too few peers, once. */
    private void evaluate() {
        int connected = swarm.connectedPeers().size();
        boolean now = connected >= minPeers;
        Boolean before = sufficient;
        if (before != null && before == now) {
            return;
        }
        sufficient = now;
        if (now) {
            log.info("libp2p node has enough peers again: {} connected, {} required", connected, minPeers);
        } else {
            log.warn("libp2p node has insufficient peers: {} connected, {} required", connected, minPeers);
        }
        events.publishEvent(new Libp2pEvents.SufficiencyChanged(swarm, now, connected, minPeers));
    }

    private void reconnect(String reason) {
        if (!running || bootstrapPeers.isEmpty() || !reconnecting.compareAndSet(false, true)) {
            return;
        }
        log.debug("Reconnecting to the bootstrap peers: {}", reason);
        try {
            redialer.execute(this::redialUntilBack);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            reconnecting.set(false);
        }
    }

    private void redialUntilBack() {
        boolean gaveUp = false;
        try {
            retryTemplate.execute(context -> {
                attempt(context.getRetryCount() + 1);
                return null;
            });
            lastError = null;
        } catch (Exception e) {
            gaveUp = true;
            if (running) {
                log.warn("Gave up reconnecting to the bootstrap peers after the configured attempts: {}", e.getMessage());
            }
        } finally {
            nextAttempt = null;
            reconnecting.set(false);
        }
        // A peer may have dropped while this round finished: look again, unless the attempts ran out.
        if (!gaveUp && running && !missingBootstrapPeers().isEmpty() && !Thread.currentThread().isInterrupted()) {
            reconnect("bootstrap peers still missing");
        }
    }

    /** Dials every bootstrap peer that is not connected; fails if any is still missing. */
    private void attempt(int number) throws ReconnectException {
        if (!running) {
            return;
        }
        nextAttempt = null;
        List<PeerId> missing = missingBootstrapPeers();
        if (missing.isEmpty()) {
            successfulAttempts.incrementAndGet();
            return;
        }
        log.debug("Reconnection attempt {}: dialling {}", number, missing);
        List<CompletableFuture<Connection>> dials = new ArrayList<>();
        for (PeerId peer : missing) {
            List<Multiaddr> addresses = bootstrapAddresses.get(peer);
            // QUIC first, TCP as the fallback: the swarm tries the addresses in turn.
            dials.add(swarm.dial(peer, addresses).whenComplete((connection, error) -> {
                if (connection != null) {
                    bootstrapListeners.forEach(l -> l.bootstrapPeerConnected(peer, addresses));
                }
            }));
        }
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < dials.size(); i++) {
            // Each address of a peer may take the whole dial timeout before the next is tried.
            long timeout = dialTimeout.toMillis() * bootstrapAddresses.get(missing.get(i)).size();
            try {
                dials.get(i).get(timeout, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ReconnectException("interrupted");
            } catch (Exception e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                errors.add(missing.get(i) + ": " + cause.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            failedAttempts.incrementAndGet();
            lastError = String.join("; ", errors);
            throw new ReconnectException(lastError);
        }
        successfulAttempts.incrementAndGet();
        log.debug("Reconnection attempt {} reached every bootstrap peer", number);
    }

    private List<PeerId> missingBootstrapPeers() {
        var connected = swarm.connectedPeers();
        return bootstrapAddresses.keySet().stream().filter(peer -> !connected.contains(peer)).toList();
    }

    private boolean isBootstrapPeer(PeerId peer) {
        return bootstrapAddresses.containsKey(peer);
    }

    /** The configured bootstrap addresses, each with its {@code /p2p} id. */
    public List<Multiaddr> bootstrapPeers() {
        return bootstrapPeers;
    }

    /** How many distinct bootstrap peers there are (a peer may have several addresses). */
    public int bootstrapPeerCount() {
        return bootstrapAddresses.size();
    }

    public int bootstrapPeersConnected() {
        return bootstrapAddresses.size() - missingBootstrapPeers().size();
    }

    public int minPeers() {
        return minPeers;
    }

    public boolean isSufficient() {
        return swarm.connectedPeers().size() >= minPeers;
    }

    public boolean isReconnecting() {
        return reconnecting.get();
    }

    /** When the next redial is due, while a reconnection waits out its back-off. */
    public Optional<Instant> nextAttempt() {
        return Optional.ofNullable(nextAttempt);
    }

    public Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    public long successfulAttempts() {
        return successfulAttempts.get();
    }

    public long failedAttempts() {
        return failedAttempts.get();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** A reconnection attempt that left some bootstrap peer unreachable. */
    static final class ReconnectException extends Exception {
        ReconnectException(String message) {
            super(message);
        }
    }
}
