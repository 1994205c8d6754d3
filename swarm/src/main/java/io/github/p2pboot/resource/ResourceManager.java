package io.github.p2pboot.resource;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.swarm.Direction;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Keeps what peers make this node hold within its {@link ResourceLimits}: every connection,
 * stream and buffered byte is taken from a scope before it is used and given back after, and a
 * scope at its limit refuses. Refusals are counted and logged through {@link Incidents}.
 *
 * <p>Scopes, from the top: the whole node; the connections still in their upgrade (before we know
 * who the peer is: limited per IP and node-wide); each peer; each connection; each stream (and
 * the protocol it speaks, per peer). Memory a stream reserves counts against its connection, its
 * peer and the node at once. Peers on the {@linkplain #allow allowlist} skip the node-wide and
 * per-IP limits, so a flood from others cannot lock them out; their own per-peer limits still hold.
 *
 * <p>Thread-safe: one lock guards all counts, held only for a few comparisons.
 */
public final class ResourceManager {

    static final String PENDING_LIMIT = "connection refused (node-wide pending upgrades)";
    static final String PENDING_PER_IP = "connection refused (pending upgrades per IP)";
    static final String RATE_PER_IP = "connection refused (connection rate per IP)";
    static final String INBOUND_LIMIT = "connection refused (node-wide inbound connections)";
    static final String PER_IP = "connection refused (connections per IP)";
    static final String PER_SUBNET = "connection refused (connections per subnet)";
    static final String STREAMS = "stream refused (node-wide streams)";
    static final String STREAMS_PER_PEER = "stream refused (streams per peer)";
    static final String STREAMS_PER_PROTOCOL = "stream refused (streams per protocol per peer)";
    static final String MEMORY = "memory refused";
    private static final int MAX_RATE_KEYS = 4096;

    private final ResourceLimits limits;
    private final Incidents incidents;
    private final Set<PeerId> allowed = ConcurrentHashMap.newKeySet();
    private final RateLimit<InetAddress> connectionRate;

    // Guarded by this.
    private int pendingUpgrades;
    private final Map<InetAddress, Integer> pendingPerIp = new HashMap<>();
    private int inbound;
    private int outbound;
    private final Map<InetAddress, Integer> perIp = new HashMap<>();
    private final Map<InetAddress, Integer> perSubnet = new HashMap<>();
    private int streams;
    private long memory;
    private final Map<PeerId, PeerScope> peers = new HashMap<>();

    public ResourceManager(ResourceLimits limits, Incidents incidents) {
        this(limits, incidents, System::nanoTime);
    }

    ResourceManager(ResourceLimits limits, Incidents incidents, LongSupplier nanoClock) {
        this.limits = limits;
        this.incidents = incidents;
        this.allowed.addAll(limits.allowlist());
        this.connectionRate = new RateLimit<>(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY,
                limits.connectionsPerSecondPerIp(), limits.connectionBurstPerIp(), MAX_RATE_KEYS, nanoClock);
    }

    public ResourceLimits limits() {
        return limits;
    }

    public Incidents incidents() {
        return incidents;
    }

    /** Exempts {@code peer} from the node-wide and per-IP limits from now on. */
    public void allow(PeerId peer) {
        allowed.add(peer);
    }

    /** Ends an exemption given by {@link #allow}; peers of the configured allowlist stay exempt. */
    public void disallow(PeerId peer) {
        if (!limits.allowlist().contains(peer)) {
            allowed.remove(peer);
        }
    }

    public boolean isAllowed(PeerId peer) {
        return allowed.contains(peer);
    }

    /** What is in use now. */
    public synchronized ResourceUsage usage() {
        return new ResourceUsage(inbound, outbound, pendingUpgrades, streams, memory, peers.size(), incidents.totals());
    }

    /**
     * An inbound connection from {@code remote} arrived and is about to authenticate: takes a
     * pending-upgrade slot, node-wide and for its IP, and a token from its IP's connection rate.
     *
     * @return the slot, to {@linkplain UpgradeSlot#release release} when the upgrade ends either
     *     way; null if refused, in which case the caller closes the connection at once
     */
    public UpgradeSlot beginUpgrade(InetSocketAddress remote, String transport) {
        InetAddress ip = remote.getAddress();
        InetAddress host = limitsApply(ip) ? hostPrefix(ip) : null;
        String refusal;
        synchronized (this) {
            if (pendingUpgrades >= limits.maxPendingUpgrades()) {
                refusal = PENDING_LIMIT;
            } else if (host != null && pendingPerIp.getOrDefault(host, 0) >= limits.maxPendingUpgradesPerIp()) {
                refusal = PENDING_PER_IP;
            } else if (host != null && !connectionRate.tryAcquire(host)) {
                refusal = RATE_PER_IP;
            } else {
                pendingUpgrades++;
                if (host != null) {
                    pendingPerIp.merge(host, 1, Integer::sum);
                }
                return new UpgradeSlot(this, host);
            }
        }
        incidents.report(refusal, remote, transport + " connection refused before its upgrade: " + limitOf(refusal) + " reached");
        return null;
    }

    synchronized void releaseUpgrade(InetAddress host) {
        pendingUpgrades--;
        if (host != null) {
            pendingPerIp.computeIfPresent(host, (k, n) -> n > 1 ? n - 1 : null);
        }
    }

    /**
     * An authenticated connection to {@code peer} is about to be used: takes it from the node's
     * inbound or outbound count and, for inbound ones, from its IP's and subnet's.
     *
     * @throws ResourceLimitException if a limit is reached; inbound refusals are also reported
     */
    public ConnectionScope openConnection(PeerId peer, InetSocketAddress remote, Direction direction) {
        boolean exempt = allowed.contains(peer);
        InetAddress ip = remote == null ? null : remote.getAddress();
        boolean perIpApplies = direction == Direction.INBOUND && !exempt && ip != null && limitsApply(ip);
        InetAddress host = perIpApplies ? hostPrefix(ip) : null;
        InetAddress subnet = perIpApplies ? subnetPrefix(ip) : null;
        String refusal = null;
        synchronized (this) {
            if (!exempt && direction == Direction.INBOUND && inbound >= limits.maxInboundConnections()) {
                refusal = INBOUND_LIMIT;
            } else if (!exempt && direction == Direction.OUTBOUND && outbound >= limits.maxOutboundConnections()) {
                throw new ResourceLimitException("connection refused (node-wide outbound connections)",
                        "outbound connection limit of " + limits.maxOutboundConnections() + " reached");
            } else if (host != null && perIp.getOrDefault(host, 0) >= limits.maxConnectionsPerIp()) {
                refusal = PER_IP;
            } else if (subnet != null && perSubnet.getOrDefault(subnet, 0) >= limits.maxConnectionsPerSubnet()) {
                refusal = PER_SUBNET;
            } else {
                if (direction == Direction.INBOUND) {
                    inbound++;
                } else {
                    outbound++;
                }
                if (host != null) {
                    perIp.merge(host, 1, Integer::sum);
                    perSubnet.merge(subnet, 1, Integer::sum);
                }
                PeerScope peerScope = peers.computeIfAbsent(peer, PeerScope::new);
                peerScope.connections++;
                return new ConnectionScope(this, peerScope, direction, host, subnet, exempt);
            }
        }
        String message = "connection from " + peer + " at " + remote + " refused: " + limitOf(refusal) + " reached";
        incidents.report(refusal, peer, message);
        throw new ResourceLimitException(refusal, message);
    }

    synchronized void closeConnection(ConnectionScope connection) {
        if (connection.direction == Direction.INBOUND) {
            inbound--;
        } else {
            outbound--;
        }
        if (connection.host != null) {
            perIp.computeIfPresent(connection.host, (k, n) -> n > 1 ? n - 1 : null);
            perSubnet.computeIfPresent(connection.subnet, (k, n) -> n > 1 ? n - 1 : null);
        }
        connection.peer.connections--;
        forgetIfIdle(connection.peer);
    }

    StreamScope openStream(ConnectionScope connection) {
        String refusal = null;
        PeerScope peer = connection.peer;
        synchronized (this) {
            if (!connection.exempt && streams >= limits.maxStreams()) {
                refusal = STREAMS;
            } else if (peer.streams >= limits.maxStreamsPerPeer()) {
                refusal = STREAMS_PER_PEER;
            } else {
                streams++;
                peer.streams++;
                return new StreamScope(this, connection);
            }
        }
        String message = "stream with " + peer.id + " refused: " + limitOf(refusal) + " reached";
        incidents.report(refusal, peer.id, message);
        throw new ResourceLimitException(refusal, message);
    }

    void setProtocol(StreamScope stream, String protocol) {
        PeerScope peer = stream.connection.peer;
        synchronized (this) {
            int open = peer.protocolStreams.getOrDefault(protocol, 0);
            if (open < limits.maxStreamsPerProtocolPerPeer()) {
                peer.protocolStreams.put(protocol, open + 1);
                stream.protocol = protocol;
                return;
            }
        }
        String message = protocol + " stream with " + peer.id + " refused: " + limitOf(STREAMS_PER_PROTOCOL) + " reached";
        incidents.report(STREAMS_PER_PROTOCOL, peer.id, message);
        throw new ResourceLimitException(STREAMS_PER_PROTOCOL, message);
    }

    synchronized void closeStream(StreamScope stream) {
        streams--;
        PeerScope peer = stream.connection.peer;
        peer.streams--;
        if (stream.protocol != null) {
            peer.protocolStreams.computeIfPresent(stream.protocol, (k, n) -> n > 1 ? n - 1 : null);
        }
        forgetIfIdle(peer);
    }

    /**
     * Reserves {@code bytes} for a stream (or, with {@code stream} null, for the connection itself)
     * from every scope above it; reports a refusal.
     */
    boolean reserve(StreamScope stream, ConnectionScope connection, long bytes) {
        PeerScope peer = connection.peer;
        String refusedScope;
        synchronized (this) {
            if (stream != null && stream.memory + bytes > limits.maxMemoryPerStream()) {
                refusedScope = "per-stream memory of " + limits.maxMemoryPerStream() + " bytes";
            } else if (connection.memory + bytes > limits.maxMemoryPerConnection()) {
                refusedScope = "per-connection memory of " + limits.maxMemoryPerConnection() + " bytes";
            } else if (peer.memory + bytes > limits.maxMemoryPerPeer()) {
                refusedScope = "per-peer memory of " + limits.maxMemoryPerPeer() + " bytes";
            } else if (!connection.exempt && memory + bytes > limits.maxMemory()) {
                refusedScope = "node-wide memory of " + limits.maxMemory() + " bytes";
            } else {
                if (stream != null) {
                    stream.memory += bytes;
                } else {
                    connection.ownMemory += bytes;
                }
                connection.memory += bytes;
                peer.memory += bytes;
                memory += bytes;
                return true;
            }
        }
        incidents.report(MEMORY, peer.id, "refused to buffer " + bytes + " more bytes for " + peer.id + ": " + refusedScope + " reached");
        return false;
    }

    synchronized void release(StreamScope stream, ConnectionScope connection, long bytes) {
        if (stream != null) {
            bytes = Math.min(bytes, stream.memory);
            stream.memory -= bytes;
        } else {
            bytes = Math.min(bytes, connection.ownMemory);
            connection.ownMemory -= bytes;
        }
        connection.memory -= bytes;
        connection.peer.memory -= bytes;
        memory -= bytes;
        forgetIfIdle(connection.peer);
    }

    private void forgetIfIdle(PeerScope peer) {
        if (peer.connections <= 0 && peer.streams <= 0 && peer.memory <= 0) {
            peers.remove(peer.id, peer);
        }
    }

    private String limitOf(String refusal) {
        return switch (refusal) {
            case PENDING_LIMIT -> "the node-wide limit of " + limits.maxPendingUpgrades() + " pending upgrades";
            case PENDING_PER_IP -> "the limit of " + limits.maxPendingUpgradesPerIp() + " pending upgrades per IP";
            case RATE_PER_IP -> "the rate of " + limits.connectionsPerSecondPerIp() + " connections/s per IP (burst "
                    + limits.connectionBurstPerIp() + ")";
            case INBOUND_LIMIT -> "the node-wide limit of " + limits.maxInboundConnections() + " inbound connections";
            case PER_IP -> "the limit of " + limits.maxConnectionsPerIp() + " connections per IP";
            case PER_SUBNET -> "the limit of " + limits.maxConnectionsPerSubnet() + " connections per subnet";
            case STREAMS -> "the node-wide limit of " + limits.maxStreams() + " streams";
            case STREAMS_PER_PEER -> "the limit of " + limits.maxStreamsPerPeer() + " streams per peer";
            case STREAMS_PER_PROTOCOL -> "the limit of " + limits.maxStreamsPerProtocolPerPeer() + " streams per protocol per peer";
            default -> refusal;
        };
    }

    private boolean limitsApply(InetAddress ip) {
        return limits.limitLoopback() || !ip.isLoopbackAddress();
    }

    /** An IPv4 address, or the /64 of an IPv6 one: what one host usually has. */
    static InetAddress hostPrefix(InetAddress ip) {
        return ip instanceof Inet4Address ? ip : prefix(ip, 64);
    }

    /** The IPv4 /24 or IPv6 /48 around {@code ip}: what one network usually has. */
    static InetAddress subnetPrefix(InetAddress ip) {
        return prefix(ip, ip instanceof Inet4Address ? 24 : 48);
    }

    private static InetAddress prefix(InetAddress ip, int bits) {
        byte[] bytes = Arrays.copyOf(ip.getAddress(), ip.getAddress().length);
        for (int i = 0; i < bytes.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - i * 8));
            bytes[i] &= (byte) (0xff << (8 - keep));
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("address of " + bytes.length + " bytes", e);
        }
    }

    /** One peer's counts; guarded by the manager's lock. */
    static final class PeerScope {
        final PeerId id;
        int connections;
        int streams;
        long memory;
        final Map<String, Integer> protocolStreams = new HashMap<>();

        PeerScope(PeerId id) {
            this.id = id;
        }
    }
}
