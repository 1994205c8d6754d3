package io.github.p2pboot.swarm;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.multistream.MultistreamListener;
import io.github.p2pboot.protocol.identify.Identify;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.transport.InterfaceAddresses;
import io.github.p2pboot.transport.MuxedConnection;
import io.github.p2pboot.transport.Transport;
import io.github.p2pboot.transport.TransportListener;
import io.github.p2pboot.transport.quic.QuicTransport;
import io.github.p2pboot.transport.tcp.TcpTransport;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A libp2p node: it listens on its transports, dials peers, keeps the authenticated connections,
 * negotiates a protocol for every stream, and serves the registered protocols. Ping and identify
 * are always served; liveness pings run on every connection.
 *
 * <pre>{@code
 * Swarm swarm = new Swarm(SwarmConfig.builder(PrivateKey.generateEd25519())
 *         .listen("/ip4/0.0.0.0/udp/4001/quic-v1").build());
 * swarm.start();
 * Connection connection = swarm.dial(Multiaddr.parse("/ip4/198.51.100.7/udp/4001/quic-v1/p2p/12D3Koo...")).join();
 * }</pre>
 *
 * <p>Thread-safe. Listener callbacks and stream handlers run on Netty event loops.
 */
public final class Swarm implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Swarm.class);

    private final SwarmConfig config;
    private final PeerId localPeerId;
    private final PeerStore peerStore = new PeerStore();
    private final Map<String, ProtocolHandler> handlers = new ConcurrentHashMap<>();
    private final Map<MuxedConnection, SwarmConnection> connections = new ConcurrentHashMap<>();
    private final List<SwarmListener> listeners = new CopyOnWriteArrayList<>();
    private final List<Multiaddr> listenAddresses = new CopyOnWriteArrayList<>();
    private final Identify identify;
    private final Liveness liveness;
    private volatile EventLoopGroup group;
    private volatile List<Transport> transports = List.of();
    private volatile boolean running;

    public Swarm(SwarmConfig config) {
        this.config = config;
        this.localPeerId = PeerId.fromPublicKey(config.hostKey().publicKey());
        this.identify = new Identify(config.hostKey().publicKey(), this::protocols, this::listenAddresses,
                config.agentVersion(), this::peerIdentified);
        this.liveness = new Liveness(config.quic().liveness(), config.tcp().liveness(), LivenessEvents.DEBUG_LOG);
        registerProtocol(Ping.handler());
        identify.handlers().forEach(this::registerProtocol);
        listeners.add(identify);
        listeners.add(liveness);
    }

    public SwarmConfig config() {
        return config;
    }

    public PeerId localPeerId() {
        return localPeerId;
    }

    public PeerStore peerStore() {
        return peerStore;
    }

    Liveness liveness() {
        return liveness;
    }

    /**
     * Starts the transports and listens on the configured addresses.
     *
     * @throws UncheckedIOException if an address cannot be bound, naming it; nothing stays open
     * @throws IllegalArgumentException if no transport supports a listen address
     */
    public synchronized void start() {
        if (running) {
            return;
        }
        group = new MultiThreadIoEventLoopGroup(config.ioThreads(), NioIoHandler.newFactory());
        List<Transport> enabled = new ArrayList<>();
        enabled.add(new QuicTransport(config.hostKey(), config.quic(), group, new Upcalls()));
        if (config.tcp().enabled()) {
            enabled.add(new TcpTransport(config.hostKey(), config.tcp(), group, new Upcalls()));
        }
        transports = List.copyOf(enabled);
        running = true;
        try {
            for (Multiaddr address : config.listenAddresses()) {
                Transport transport = transports.stream().filter(t -> t.canListen(address)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("no transport can listen on " + address
                                + " (supported: /ip4|ip6/<ip>/udp/<port>/quic-v1"
                                + (config.tcp().enabled() ? " and /ip4|ip6/<ip>/tcp/<port>)" : "; TCP is disabled)")));
                listenAddresses.add(transport.listen(address));
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info("libp2p node {} listening on {}", localPeerId, listenAddresses());
    }

    public boolean isRunning() {
        return running;
    }

    /**
     * The addresses this node listens on, ports resolved, without {@code /p2p}. A listener on
     * {@code 0.0.0.0} or {@code ::} is reported once per matching interface address.
     */
    public List<Multiaddr> listenAddresses() {
        List<Multiaddr> addresses = new ArrayList<>();
        for (Multiaddr bound : listenAddresses) {
            addresses.addAll(InterfaceAddresses.expand(bound));
        }
        return addresses;
    }

    /**
     * Dials {@code address}. If it ends in {@code /p2p/<id>}, the peer must prove that identity or
     * the dial fails with an error naming both ids.
     */
    public CompletableFuture<Connection> dial(Multiaddr address) {
        if (!running) {
            return CompletableFuture.failedFuture(new IllegalStateException("swarm is not running"));
        }
        int index = transportIndex(address);
        if (index < 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("no transport can dial " + address));
        }
        Transport transport = transports.get(index);
        PeerId expected = address.peerId().orElse(null);
        return transport.dial(address, expected).<Connection>thenApply(muxed -> {
            peerStore.addAddresses(muxed.remotePeer(), List.of(address));
            return adopt(muxed);
        }).whenComplete((connection, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                notifyListeners(l -> l.dialFailed(address, transport.name(), cause));
            }
        });
    }

    /**
     * Returns the newest open connection to {@code peer}, or dials the addresses known for it, the
     * most recently learnt first, as {@link #dial(PeerId, List)} does.
     */
    public CompletableFuture<Connection> dial(PeerId peer) {
        Connection existing = connection(peer);
        if (existing != null) {
            return CompletableFuture.completedFuture(existing);
        }
        List<Multiaddr> newestFirst = new ArrayList<>(peerStore.addresses(peer));
        Collections.reverse(newestFirst);
        return dial(peer, newestFirst);
    }

    /**
     * Dials {@code peer} at each of {@code addresses} in turn until one connects: QUIC addresses
     * before TCP ones, and in the given order within a transport, so TCP is the fallback where QUIC
     * (UDP) does not get through. Addresses no transport can dial are skipped.
     *
     * @return the first connection made, or the last address's failure
     */
    public CompletableFuture<Connection> dial(PeerId peer, List<Multiaddr> addresses) {
        List<Multiaddr> dialable = addresses.stream()
                .filter(a -> transportIndex(a) >= 0)
                .sorted(Comparator.comparingInt(this::transportIndex))
                .toList();
        if (dialable.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalStateException("no dialable address known for peer " + peer));
        }
        CompletableFuture<Connection> attempt = dial(dialable.get(0).withPeerId(peer));
        for (Multiaddr address : dialable.subList(1, dialable.size())) {
            Multiaddr next = address.withPeerId(peer);
            attempt = attempt.exceptionallyCompose(e -> {
                log.debug("Dial to {} failed ({}); trying {}", peer, e.getMessage(), next);
                return dial(next);
            });
        }
        return attempt;
    }

    /** The preference of the transport that dials {@code address}, lower first; -1 if none can. */
    private int transportIndex(Multiaddr address) {
        List<Transport> current = transports;
        for (int i = 0; i < current.size(); i++) {
            if (current.get(i).canDial(address)) {
                return i;
            }
        }
        return -1;
    }

    /** Opens a stream to {@code peer}, dialling it if needed, for the first protocol it supports. */
    public CompletableFuture<Stream> newStream(PeerId peer, String... protocols) {
        return dial(peer).thenCompose(connection -> connection.newStream(protocols));
    }

    /** The newest open connection to {@code peer}, or null. */
    public Connection connection(PeerId peer) {
        return connections(peer).stream().max(Comparator.comparing(Connection::openedAt)).orElse(null);
    }

    public List<Connection> connections(PeerId peer) {
        return connections.values().stream().filter(c -> c.remotePeer().equals(peer) && c.isOpen())
                .map(Connection.class::cast).toList();
    }

    public List<Connection> connections() {
        return connections.values().stream().filter(SwarmConnection::isOpen).map(Connection.class::cast).toList();
    }

    public Set<PeerId> connectedPeers() {
        Set<PeerId> peers = new java.util.HashSet<>();
        for (SwarmConnection c : connections.values()) {
            if (c.isOpen()) {
                peers.add(c.remotePeer());
            }
        }
        return peers;
    }

    /** Closes every connection to {@code peer}. */
    public CompletableFuture<Void> disconnect(PeerId peer) {
        return CompletableFuture.allOf(connections(peer).stream().map(Connection::close).toArray(CompletableFuture[]::new));
    }

    /**
     * Serves {@code handler}'s protocol from now on. Peers already connected learn of it through an
     * identify push.
     */
    public void registerProtocol(ProtocolHandler handler) {
        handlers.put(handler.protocolId(), handler);
        if (running) {
            connections().forEach(identify::push);
        }
    }

    public void unregisterProtocol(String protocolId) {
        if (handlers.remove(protocolId) != null && running) {
            connections().forEach(identify::push);
        }
    }

    /** The protocol ids this node serves, sorted. */
    public Set<String> protocols() {
        return new TreeSet<>(handlers.keySet());
    }

    public void addListener(SwarmListener listener) {
        listeners.add(listener);
    }

    public void removeListener(SwarmListener listener) {
        listeners.remove(listener);
    }

    /** Closes every connection, telling the peers, then stops listening. Idempotent. */
    @Override
    public synchronized void close() {
        if (!running) {
            return;
        }
        running = false;
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (SwarmConnection connection : connections.values()) {
            closing.add(connection.close());
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("Not every connection confirmed its close: {}", e.toString());
        }
        transports.forEach(Transport::close);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        listenAddresses.clear();
        log.info("libp2p node {} stopped", localPeerId);
    }

    private SwarmConnection adopt(MuxedConnection muxed) {
        SwarmConnection existing = connections.get(muxed);
        if (existing != null) {
            return existing;
        }
        SwarmConnection connection = new SwarmConnection(muxed, config.negotiationTimeout());
        if (!running || connections.size() >= config.maxConnections()) {
            connection.close(CloseCause.local(running ? "connection limit of " + config.maxConnections() + " reached" : "node stopping"));
            throw new IllegalStateException("refused connection to " + muxed.remotePeer() + ": "
                    + (running ? "connection limit of " + config.maxConnections() + " reached" : "node stopping"));
        }
        SwarmConnection raced = connections.putIfAbsent(muxed, connection);
        if (raced != null) {
            return raced;
        }
        log.debug("Connection {} opened", connection);
        connection.closeFuture().thenAccept(cause -> {
            connections.remove(muxed);
            log.debug("Connection {} closed: {}", connection, cause);
            notifyListeners(l -> l.connectionClosed(connection, cause));
        });
        notifyListeners(l -> l.connectionOpened(connection));
        return connection;
    }

    private void inboundStream(MuxedConnection muxed, Channel channel) {
        SwarmConnection connection = connections.get(muxed);
        if (connection == null) {
            channel.close();
            return;
        }
        var timeout = channel.eventLoop().schedule(() -> {
            log.debug("Closing stream from {}: no protocol agreed within {} ms", muxed.remotePeer(), config.negotiationTimeout().toMillis());
            channel.close();
        }, config.negotiationTimeout().toMillis(), TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(f -> timeout.cancel(false));
        channel.pipeline().addLast(new MultistreamListener(handlers::containsKey, (ctx, protocol) -> {
            timeout.cancel(false);
            log.debug("Inbound stream {} from {} speaks {}", channel.id(), muxed.remotePeer(), protocol);
            ProtocolHandler handler = handlers.get(protocol);
            if (handler == null) {
                ctx.close();
                return;
            }
            handler.handleStream(new NegotiatedStream(channel, protocol, connection, Direction.INBOUND));
        }));
    }

    private void peerIdentified(PeerInfo info) {
        peerStore.put(info);
        notifyListeners(l -> l.peerIdentified(info.peerId(), info));
    }

    private void notifyListeners(java.util.function.Consumer<SwarmListener> event) {
        for (SwarmListener listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException e) {
                log.warn("Swarm listener {} failed", listener, e);
            }
        }
    }

    /** The transports' way in: new inbound connections and streams. */
    private final class Upcalls implements TransportListener {
        @Override
        public void inboundConnection(MuxedConnection connection) {
            try {
                adopt(connection);
            } catch (IllegalStateException e) {
                log.debug(e.getMessage());
            }
        }

        @Override
        public void inboundStream(MuxedConnection connection, Channel stream) {
            Swarm.this.inboundStream(connection, stream);
        }
    }
}
