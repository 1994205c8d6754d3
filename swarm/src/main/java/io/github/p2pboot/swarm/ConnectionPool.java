package io.github.p2pboot.swarm;

import io.github.p2pboot.identity.PeerId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The swarm's connections, by peer: the established ones and the dial in progress, if any (as
 * rust-libp2p's {@code swarm/src/connection/pool.rs} keeps them).
 *
 * <ul>
 *   <li>A dial to a peer that is already being dialled joins that dial instead of starting another.
 *   <li>At most {@code maxPerPeer} connections per peer: a new one beyond that pushes out the
 *       oldest, which after a restart of the peer is the stale one.
 *   <li>New streams go to the newest connection that is neither suspect nor superseded.
 * </ul>
 *
 * <p>Thread-safe: every method holds the pool's lock briefly and never calls out while holding it.
 */
final class ConnectionPool {

    private final int maxPerPeer;
    private final Map<PeerId, PeerConnections> peers = new HashMap<>();
    private int total;

    private static final class PeerConnections {
        /** Oldest first. */
        final List<SwarmConnection> established = new ArrayList<>();
        CompletableFuture<Connection> pendingDial;

        boolean isEmpty() {
            return established.isEmpty() && pendingDial == null;
        }
    }

    /**
     * What {@link #admit} decided.
     *
     * @param established the peer's connections now, this one included
     * @param others the peer's other connections, oldest first, not counting {@code evicted}
     * @param evicted the oldest connection, pushed out to stay within the per-peer cap; the caller
     *     closes it; null if none
     */
    record Admission(int established, List<SwarmConnection> others, SwarmConnection evicted) {
    }

    ConnectionPool(int maxPerPeer) {
        this.maxPerPeer = maxPerPeer;
    }

    /** Takes in a new connection; the resource manager has already counted it against the node's limits. */
    synchronized Admission admit(SwarmConnection connection) {
        PeerConnections peer = peers.computeIfAbsent(connection.remotePeer(), p -> new PeerConnections());
        SwarmConnection evicted = null;
        if (peer.established.size() >= maxPerPeer) {
            evicted = peer.established.remove(0);
            total--;
        }
        List<SwarmConnection> others = List.copyOf(peer.established);
        peer.established.add(connection);
        total++;
        return new Admission(peer.established.size(), others, evicted);
    }

    /**
     * Forgets a closed connection.
     *
     * @return how many connections to its peer remain, or -1 if the pool did not hold it
     */
    synchronized int remove(SwarmConnection connection) {
        PeerConnections peer = peers.get(connection.remotePeer());
        if (peer == null || !peer.established.remove(connection)) {
            return -1;
        }
        total--;
        int remaining = peer.established.size();
        if (peer.isEmpty()) {
            peers.remove(connection.remotePeer());
        }
        return remaining;
    }

    /**
     * Returns the dial to {@code peer} in progress, or starts one with {@code dial}. Callers get
     * their own copy of the shared future, so one caller cancelling it does not cancel the others.
     */
    CompletableFuture<Connection> dialOnce(PeerId peer, Supplier<CompletableFuture<Connection>> dial) {
        CompletableFuture<Connection> started;
        synchronized (this) {
            PeerConnections entry = peers.computeIfAbsent(peer, p -> new PeerConnections());
            if (entry.pendingDial != null) {
                return entry.pendingDial.copy();
            }
            started = new CompletableFuture<>();
            entry.pendingDial = started;
        }
        // Dial outside the lock: the transport may complete (and call back into the pool) at once.
        CompletableFuture<Connection> dialling;
        try {
            dialling = dial.get();
        } catch (RuntimeException e) {
            dialling = CompletableFuture.failedFuture(e);
        }
        dialling.whenComplete((connection, error) -> {
            synchronized (this) {
                PeerConnections entry = peers.get(peer);
                if (entry != null && entry.pendingDial == started) {
                    entry.pendingDial = null;
                    if (entry.isEmpty()) {
                        peers.remove(peer);
                    }
                }
            }
            if (error != null) {
                started.completeExceptionally(error);
            } else {
                started.complete(connection);
            }
        });
        return started.copy();
    }

    /**
     * The connection new streams to {@code peer} should use: the newest open one that is neither
     * suspect nor superseded; failing that, the newest open one; null if none is open.
     */
    synchronized SwarmConnection preferred(PeerId peer) {
        PeerConnections entry = peers.get(peer);
        if (entry == null) {
            return null;
        }
        SwarmConnection fallback = null;
        for (int i = entry.established.size() - 1; i >= 0; i--) {
            SwarmConnection connection = entry.established.get(i);
            if (!connection.isOpen()) {
                continue;
            }
            if (!connection.isSuspect() && !connection.isSuperseded()) {
                return connection;
            }
            if (fallback == null) {
                fallback = connection;
            }
        }
        return fallback;
    }

    /** The open connections to {@code peer}, oldest first. */
    synchronized List<SwarmConnection> connections(PeerId peer) {
        PeerConnections entry = peers.get(peer);
        if (entry == null) {
            return List.of();
        }
        return entry.established.stream().filter(SwarmConnection::isOpen).toList();
    }

    /** Every open connection, oldest first within each peer. */
    synchronized List<SwarmConnection> all() {
        List<SwarmConnection> all = new ArrayList<>(total);
        for (PeerConnections entry : peers.values()) {
            for (SwarmConnection connection : entry.established) {
                if (connection.isOpen()) {
                    all.add(connection);
                }
            }
        }
        all.sort(Comparator.comparing(SwarmConnection::openedAt));
        return all;
    }

    /** The peers with at least one open connection. */
    synchronized List<PeerId> connectedPeers() {
        List<PeerId> connected = new ArrayList<>();
        for (Map.Entry<PeerId, PeerConnections> entry : peers.entrySet()) {
            if (entry.getValue().established.stream().anyMatch(SwarmConnection::isOpen)) {
                connected.add(entry.getKey());
            }
        }
        return connected;
    }

    /** Every connection the pool holds, open or closing, for shutdown. */
    synchronized List<SwarmConnection> snapshot() {
        List<SwarmConnection> all = new ArrayList<>(total);
        peers.values().forEach(entry -> all.addAll(entry.established));
        return all;
    }
}
