package io.github.p2pboot.swarm;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.multiaddr.Protocol;
import io.github.p2pboot.multistream.MultistreamListener;
import io.github.p2pboot.peerstore.AddressSource;
import io.github.p2pboot.peerstore.PeerStore;
import io.github.p2pboot.protocol.identify.Identify;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.resource.ConnectionScope;
import io.github.p2pboot.resource.Incidents;
import io.github.p2pboot.resource.MemoryBudget;
import io.github.p2pboot.resource.ResourceLimitException;
import io.github.p2pboot.resource.ResourceManager;
import io.github.p2pboot.resource.StreamScope;
import io.github.p2pboot.transport.HostPort;
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
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
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
    /**
     * How long a healthy connection that another one superseded stays open once idle: long enough
     * for whoever was just handed it to use it, short enough not to ping duplicates for long.
     */
    static final Duration SUPERSEDED_GRACE = Duration.ofSeconds(5);

    private final SwarmConfig config;
    private final PeerId localPeerId;
    private final PeerStore peerStore;
    private final Map<String, ProtocolHandler> handlers = new ConcurrentHashMap<>();
    /** Finds the swarm's connection for a transport's, for inbound streams. */
    private final Map<MuxedConnection, SwarmConnection> connections = new ConcurrentHashMap<>();
    private final ConnectionPool pool;
    private final ResourceManager resources;
    private final List<SwarmListener> listeners = new CopyOnWriteArrayList<>();
    private final List<Multiaddr> listenAddresses = new CopyOnWriteArrayList<>();
    private final Identify identify;
    private final Liveness liveness;
    private volatile EventLoopGroup group;
    private volatile EventLoopWatchdog watchdog;
    private volatile List<Transport> transports = List.of();
    private volatile boolean running;

    public Swarm(SwarmConfig config) {
        this.config = config;
        this.localPeerId = PeerId.fromPublicKey(config.hostKey().publicKey());
        this.pool = new ConnectionPool(config.maxConnectionsPerPeer());
        this.resources = new ResourceManager(config.limits(), new Incidents());
        this.peerStore = config.peerStore();
        this.identify = new Identify(config.hostKey().publicKey(), this::protocols, this::listenAddresses,
                config.agentVersion(), this::peerIdentified);
        this.liveness = new Liveness(config.quic().liveness(), config.tcp().liveness(), new LivenessEvents() {
            @Override
            public void suspect(SwarmConnection connection, String why) {
                suspected(connection, why);
            }

            @Override
            public void recovered(SwarmConnection connection) {
                Swarm.this.recovered(connection);
            }
        });
        registerProtocol(Ping.handler(liveness::peerPinged));
        identify.handlers().forEach(this::registerProtocol);
        if (config.perf()) {
            registerProtocol(io.github.p2pboot.protocol.perf.Perf.handler());
        }
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
     * Bytes received and sent on the wire by each transport ({@code quic-v1}, {@code tcp}) since
     * start, encryption and framing included; empty before {@link #start()}.
     */
    public java.util.Map<String, TransportTraffic> traffic() {
        java.util.Map<String, TransportTraffic> traffic = new java.util.LinkedHashMap<>();
        transports.forEach(t -> traffic.put(t.name(), new TransportTraffic(t.traffic().bytesReceived(), t.traffic().bytesSent())));
        return traffic;
    }

    /**
     * What peers make this node hold against its {@link SwarmConfig#limits() limits}, what was
     * refused, and the allowlist of peers exempt from node-wide and per-IP limits.
     */
    public ResourceManager resources() {
        return resources;
    }

    /**
     * Starts the transports and listens on the configured addresses.
     *
     * @throws ListenException if an address cannot be bound, naming it; nothing stays open
     * @throws IllegalArgumentException if no transport supports a listen address
     */
    public synchronized void start() {
        if (running) {
            return;
        }
        group = new MultiThreadIoEventLoopGroup(config.ioThreads(), NioIoHandler.newFactory());
        List<Transport> enabled = new ArrayList<>();
        enabled.add(new QuicTransport(config.hostKey(), config.quic(), group, new Upcalls(), config.quicConnectionMemory(), resources));
        if (config.tcp().enabled()) {
            enabled.add(new TcpTransport(config.hostKey(), config.tcp(), group, new Upcalls(), resources));
        }
        watchdog = new EventLoopWatchdog(group, index -> notifyListeners(l -> l.eventLoopUnresponsive(index)));
        long summaryMillis = Incidents.SUMMARY_PERIOD.toMillis();
        group.next().scheduleAtFixedRate(resources.incidents()::flush, summaryMillis, summaryMillis, TimeUnit.MILLISECONDS);
        transports = List.copyOf(enabled);
        running = true;
        try {
            List<Multiaddr> configured = config.listenAddresses();
            for (int i = 0; i < configured.size(); i++) {
                Multiaddr address = configured.get(i);
                Transport transport = transports.stream().filter(t -> t.canListen(address)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("no transport can listen on " + address
                                + " (supported: /ip4|ip6/<ip>/udp/<port>/quic-v1"
                                + (config.tcp().enabled() ? " and /ip4|ip6/<ip>/tcp/<port>)" : "; TCP is disabled)")));
                try {
                    listenAddresses.add(transport.listen(address));
                } catch (IOException e) {
                    throw new ListenException(address, i, e);
                }
            }
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
     * Whether one of the node's event loops stopped running tasks: its thread died (after an
     * {@link OutOfMemoryError}, say) or is blocked. Such a node no longer serves the connections of
     * that loop and should be restarted; {@link SwarmListener#eventLoopUnresponsive} tells the moment.
     */
    public boolean isImpaired() {
        EventLoopWatchdog current = watchdog;
        return current != null && current.anyUnresponsive();
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
            peerStore.addAddresses(muxed.remotePeer(), AddressSource.OBSERVED, List.of(address));
            return adopt(muxed);
        }).whenComplete((connection, error) -> {
            if (error != null) {
                Throwable cause = Futures.unwrap(error);
                notifyListeners(l -> l.dialFailed(address, transport.name(), cause));
            }
        });
    }

    /**
     * Returns the connection new streams to {@code peer} should use, or dials the addresses known
     * for it in the peer store's {@linkplain PeerStore#dialAddresses ranking}, as
     * {@link #dial(PeerId, List)} does. A connection that liveness suspects is not returned while
     * a replacement is being dialled; it is the fallback if that dial fails.
     */
    public CompletableFuture<Connection> dial(PeerId peer) {
        SwarmConnection existing = pool.preferred(peer);
        if (existing != null && !existing.isSuspect() && !existing.isSuperseded()) {
            return CompletableFuture.completedFuture(existing);
        }
        List<Multiaddr> ranked = peerStore.dialAddresses(peer);
        if (ranked.isEmpty() && existing != null) {
            return CompletableFuture.completedFuture(existing);
        }
        CompletableFuture<Connection> dialled = dial(peer, ranked);
        if (existing == null) {
            return dialled;
        }
        return dialled.exceptionally(error -> {
            if (existing.isOpen()) {
                return existing;
            }
            throw error instanceof CompletionException c ? c : new CompletionException(error);
        });
    }

    /**
     * Dials {@code peer} at {@code addresses}, concurrently and staggered: QUIC addresses before
     * TCP ones, and in the given order within a transport; each next address
     * {@link SwarmConfig#dialStagger()} after the one before, or at once when all before it failed.
     * The first connection wins and the rest are abandoned, so TCP is the fallback where QUIC (UDP)
     * does not get through, without waiting out a dead address's handshake timeout. A dial to a
     * peer already being dialled joins that dial. Addresses no transport can dial are skipped.
     *
     * @return the first connection made, or a {@link DialFailedException} with every address's error
     */
    public CompletableFuture<Connection> dial(PeerId peer, List<Multiaddr> addresses) {
        if (!running) {
            return CompletableFuture.failedFuture(new IllegalStateException("swarm is not running"));
        }
        List<Multiaddr> dialable = addresses.stream()
                .map(a -> a.withPeerId(peer))
                .distinct()
                .filter(a -> transportIndex(a) >= 0)
                .sorted(Comparator.comparingInt(this::transportIndex))
                .toList();
        if (dialable.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalStateException("no dialable address known for peer " + peer));
        }
        return pool.dialOnce(peer, () -> {
            long start = System.nanoTime();
            notifyListeners(l -> l.dialStarted(peer));
            CompletableFuture<Connection> dialling = StaggeredDial.dial(peer, dialable, this::dial, config.dialStagger(), group);
            dialling.whenComplete((connection, error) -> notifyListeners(
                    l -> l.dialFinished(peer, Duration.ofNanos(System.nanoTime() - start), error)));
            return dialling;
        });
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

    /**
     * The connection new streams to {@code peer} go to: the newest open one that liveness does not
     * suspect and that no other connection superseded; null if none is open.
     */
    public @org.jspecify.annotations.Nullable Connection connection(PeerId peer) {
        return pool.preferred(peer);
    }

    /** The open connections to {@code peer}, oldest first. */
    public List<Connection> connections(PeerId peer) {
        return List.copyOf(pool.connections(peer));
    }

    /** Every open connection, oldest first. */
    public List<Connection> connections() {
        return List.copyOf(pool.all());
    }

    public Set<PeerId> connectedPeers() {
        return Set.copyOf(pool.connectedPeers());
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
        for (SwarmConnection connection : pool.snapshot()) {
            closing.add(connection.close());
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("Not every connection confirmed its close: {}", e.toString());
        }
        transports.forEach(Transport::close);
        watchdog.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        listenAddresses.clear();
        log.info("libp2p node {} stopped", localPeerId);
    }

    private SwarmConnection adopt(MuxedConnection muxed) {
        SwarmConnection existing = connections.get(muxed);
        if (existing != null) {
            return existing;
        }
        if (!running) {
            muxed.close();
            throw new IllegalStateException("refused connection to " + muxed.remotePeer() + ": node stopping");
        }
        ConnectionScope scope;
        try {
            scope = resources.openConnection(muxed.remotePeer(), socketAddress(muxed.remoteAddress()), muxed.direction());
        } catch (ResourceLimitException e) {
            muxed.close();
            throw e;
        }
        SwarmConnection connection = new SwarmConnection(muxed, config, scope, this::streamFailed,
                stream -> notifyListeners(l -> l.streamOpened(stream)));
        SwarmConnection raced = connections.putIfAbsent(muxed, connection);
        if (raced != null) {
            scope.close();
            return raced;
        }
        ConnectionPool.Admission admission = pool.admit(connection);
        log.debug("Connection {} opened ({} to that peer)", connection, admission.established());
        peerStore.connected(muxed.remotePeer());
        connection.closeFuture().thenAccept(cause -> {
            scope.close();
            connections.remove(muxed);
            peerStore.disconnected(muxed.remotePeer());
            int remaining = Math.max(0, pool.remove(connection));
            log.debug("Connection {} closed: {} ({} left to that peer)", connection, cause, remaining);
            notifyListeners(l -> l.connectionClosed(connection, cause, remaining));
        });
        if (admission.evicted() != null) {
            admission.evicted().close(CloseCause.local("pushed out by a newer connection to the same peer (at most "
                    + config.maxConnectionsPerPeer() + " per peer)"));
        }
        notifyListeners(l -> l.connectionOpened(connection, admission.established()));
        for (SwarmConnection other : admission.others()) {
            checkAfterNewConnection(other);
        }
        return connection;
    }

    /**
     * A new connection to a peer we believed connected is a restart signal: the peer may have
     * restarted and the older connection be stale. Probe it at once: if it does not answer, close
     * it; if it does, both are healthy and one of them is superseded.
     */
    private void checkAfterNewConnection(SwarmConnection older) {
        if (!older.isOpen()) {
            return;
        }
        // A miss makes the older one suspect, and a suspect with a healthy sibling closes at once.
        liveness.probeNow(older).thenAccept(answered -> {
            if (answered && older.isOpen()) {
                supersedeDuplicates(older.remotePeer());
            }
        });
    }

    /**
     * Of several healthy connections to one peer, keeps one and lets the others close once their
     * streams are done. Both peers must pick the same one, or each could close the one the other
     * kept: the connection dialled by the peer with the smaller id wins, the newest among those.
     */
    private void supersedeDuplicates(PeerId peer) {
        List<SwarmConnection> healthy = pool.connections(peer).stream().filter(c -> !c.isSuspect()).toList();
        if (healthy.size() < 2) {
            return;
        }
        boolean localDialsFirst = localPeerId.compareTo(peer) < 0;
        Direction winningDirection = localDialsFirst ? Direction.OUTBOUND : Direction.INBOUND;
        List<SwarmConnection> candidates = healthy.stream().filter(c -> c.direction() == winningDirection).toList();
        List<SwarmConnection> pickFrom = candidates.isEmpty() ? healthy : candidates;
        SwarmConnection keep = pickFrom.get(pickFrom.size() - 1);
        for (SwarmConnection connection : healthy) {
            if (connection != keep) {
                log.debug("{} superseded by {}", connection, keep);
                connection.supersede(SUPERSEDED_GRACE);
            }
        }
    }

    /**
     * Liveness is about to give up on {@code suspect}: replace it without waiting to be sure. If
     * another healthy connection to the peer is open, new streams go there at once; otherwise a
     * new one is dialled alongside and takes over once it is up. Either way the suspect is
     * superseded, closing as soon as its streams are done (or when liveness gives up on it), so
     * a slow but alive connection is only ever replaced, never lost, and its streams finish.
     */
    private void suspected(SwarmConnection suspect, String why) {
        suspect.suspect(true);
        PeerId peer = suspect.remotePeer();
        SwarmConnection preferred = pool.preferred(peer);
        if (preferred != null && preferred != suspect && !preferred.isSuspect()) {
            log.debug("{} is suspect ({}): {} takes over", suspect, why, preferred);
            suspect.supersede(Duration.ZERO);
            return;
        }
        List<Multiaddr> addresses = new ArrayList<>(peerStore.dialAddresses(peer));
        if (suspect.direction() == Direction.OUTBOUND && !addresses.contains(suspect.remoteAddress())) {
            addresses.add(0, suspect.remoteAddress());
        }
        if (addresses.isEmpty() || !running) {
            return;
        }
        log.debug("{} is suspect ({}): dialling {} alongside it", suspect, why, peer);
        dial(peer, addresses).whenComplete((fresh, error) -> {
            if (fresh != null && fresh != suspect) {
                if (suspect.isSuspect()) {
                    log.debug("{} replaced by {}", suspect, fresh);
                    suspect.supersede(Duration.ZERO);
                } else {
                    supersedeDuplicates(peer);
                }
            } else if (error != null) {
                log.debug("Replacement dial of suspect {} failed: {}", suspect, Futures.unwrap(error).getMessage());
            }
        });
    }

    /** A late answer came after all: the connection is healthy again. */
    private void recovered(SwarmConnection connection) {
        connection.suspect(false);
    }

    /**
     * A stream open or negotiation failed on {@code connection}: the connection may be dead, so
     * liveness probes it now rather than at its next ping.
     */
    private void streamFailed(SwarmConnection connection) {
        if (connection.isOpen()) {
            liveness.probeNow(connection);
        }
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
        StreamScope scope;
        try {
            scope = connection.scope().openStream();
        } catch (ResourceLimitException e) {
            channel.close();
            return;
        }
        channel.attr(MemoryBudget.ATTRIBUTE).set(scope);
        channel.closeFuture().addListener(f -> scope.close());
        Runnable release = connection.countInboundStream(channel);
        channel.pipeline().addLast(new MultistreamListener(handlers::containsKey, (ctx, protocol) -> {
            timeout.cancel(false);
            log.debug("Inbound stream {} from {} speaks {}", channel.id(), muxed.remotePeer(), protocol);
            ProtocolHandler handler = handlers.get(protocol);
            if (handler == null) {
                ctx.close();
                return;
            }
            try {
                scope.protocol(protocol);
            } catch (ResourceLimitException e) {
                ctx.close();
                return;
            }
            handler.handleStream(connection.stream(channel, protocol, Direction.INBOUND, release));
        }));
    }

    /** The IP and port of a connection's {@code /ip4|ip6/.../tcp|udp/...} address; null if it has none. */
    private static InetSocketAddress socketAddress(Multiaddr address) {
        HostPort hostPort = HostPort.match(address, Protocol.TCP);
        if (hostPort == null) {
            hostPort = HostPort.match(address, Protocol.UDP, Protocol.QUIC_V1);
        }
        return hostPort != null && hostPort.isIpLiteral() ? hostPort.literalSocketAddress() : null;
    }

    private void peerIdentified(PeerInfo info) {
        peerStore.identified(info);
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
            } catch (ResourceLimitException e) {
                // Counted and logged by the resource manager.
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
