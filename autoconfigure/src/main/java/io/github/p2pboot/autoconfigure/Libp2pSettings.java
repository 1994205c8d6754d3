package io.github.p2pboot.autoconfigure;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.keeper.PeerKeeperConfig;
import io.github.p2pboot.keeper.ReconnectBackOff;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.multiaddr.Protocol;
import io.github.p2pboot.peerstore.FilePeerStore;
import io.github.p2pboot.peerstore.InMemoryPeerStore;
import io.github.p2pboot.peerstore.PeerStore;
import io.github.p2pboot.resource.ResourceLimits;
import io.github.p2pboot.swarm.LivenessSettings;
import io.github.p2pboot.swarm.QuicSettings;
import io.github.p2pboot.swarm.StreamSettings;
import io.github.p2pboot.swarm.SwarmConfig;
import io.github.p2pboot.swarm.TcpSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Checks {@link Libp2pProperties} and turns them into engine settings. Every problem becomes a
 * {@link Libp2pConfigurationException} naming the property, the value and the fix.
 */
final class Libp2pSettings {

    private Libp2pSettings() {
    }

    static SwarmConfig swarmConfig(Libp2pProperties properties, PrivateKey hostKey, PeerStore peerStore) {
        return swarmConfigBuilder(properties, hostKey, peerStore).build();
    }

    /** The engine configuration of {@code libp2p.*}, as a builder that customizers may change further. */
    static SwarmConfig.Builder swarmConfigBuilder(Libp2pProperties properties, PrivateKey hostKey, PeerStore peerStore) {
        StreamSettings streams = streams(properties.getLimits());
        TcpSettings tcp = tcp(properties.getTcp()).withStreams(streams);
        SwarmConfig.Builder builder = SwarmConfig.builder(hostKey).quic(quic(properties.getQuic()).withStreams(streams)).tcp(tcp);
        connections(properties.getConnections(), builder);
        builder.limits(limits(properties.getLimits()));
        builder.peerStore(peerStore);
        builder.perf(properties.getPerf().isEnabled());
        if (peerStore instanceof FilePeerStore file) {
            // A node that remembers its peers also remembers its QUIC connections, to reset them
            // at once after a crash.
            builder.quicConnectionMemory(file.path().resolveSibling(file.path().getFileName() + ".quic"));
        }
        List<String> listen = properties.getListen();
        for (int i = 0; i < listen.size(); i++) {
            String property = "libp2p.listen[" + i + "]";
            Multiaddr address = multiaddr(property, listen.get(i));
            try {
                builder.listen(address);
            } catch (IllegalArgumentException e) {
                throw new Libp2pConfigurationException(property, listen.get(i), "not a QUIC or TCP listen address",
                        "Use /ip4/<address>/udp/<port>/quic-v1 or /ip4/<address>/tcp/<port> (or /ip6/...), with an IP address, not a name.");
            }
            if (address.has(Protocol.TCP) && !tcp.enabled()) {
                throw new Libp2pConfigurationException(property, listen.get(i), "a TCP address, but libp2p.tcp.enabled is false",
                        "Remove the TCP address from libp2p.listen, or set libp2p.tcp.enabled=true.");
            }
        }
        return builder;
    }

    private static void connections(Libp2pProperties.Connections connections, SwarmConfig.Builder builder) {
        atLeast("libp2p.connections.max-per-peer", connections.getMaxPerPeer(), 1);
        Duration stagger = connections.getDialStagger();
        if (stagger == null || stagger.isNegative()) {
            throw new Libp2pConfigurationException("libp2p.connections.dial-stagger", stagger, "must not be negative",
                    "Set libp2p.connections.dial-stagger to 0 (all addresses at once) or a duration such as 250ms.");
        }
        builder.maxConnectionsPerPeer(connections.getMaxPerPeer()).dialStagger(stagger);
    }

    private static StreamSettings streams(Libp2pProperties.Limits limits) {
        Duration idle = limits.getStreamIdleTimeout();
        if (idle == null || idle.isNegative()) {
            throw new Libp2pConfigurationException("libp2p.limits.stream-idle-timeout", idle, "must not be negative",
                    "Set libp2p.limits.stream-idle-timeout to a duration such as 60s, or 0 to never reset idle streams.");
        }
        positive("libp2p.limits.message-timeout", limits.getMessageTimeout());
        return new StreamSettings(idle, limits.getMessageTimeout());
    }

    static ResourceLimits limits(Libp2pProperties.Limits limits) {
        String prefix = "libp2p.limits.";
        ResourceLimits.Builder builder = ResourceLimits.builder();
        if (limits.getMaxInboundConnections() != null) {
            atLeast(prefix + "max-inbound-connections", limits.getMaxInboundConnections(), 1);
            builder.maxInboundConnections(limits.getMaxInboundConnections());
        }
        if (limits.getMaxOutboundConnections() != null) {
            atLeast(prefix + "max-outbound-connections", limits.getMaxOutboundConnections(), 1);
            builder.maxOutboundConnections(limits.getMaxOutboundConnections());
        }
        if (limits.getMaxStreams() != null) {
            atLeast(prefix + "max-streams", limits.getMaxStreams(), 1);
            builder.maxStreams(limits.getMaxStreams());
        }
        atLeast(prefix + "max-pending-upgrades", limits.getMaxPendingUpgrades(), 1);
        atLeast(prefix + "max-pending-upgrades-per-ip", limits.getMaxPendingUpgradesPerIp(), 1);
        positive(prefix + "first-bytes-timeout", limits.getFirstBytesTimeout());
        atLeast(prefix + "max-connections-per-ip", limits.getMaxConnectionsPerIp(), 1);
        atLeast(prefix + "max-connections-per-subnet", limits.getMaxConnectionsPerSubnet(), 1);
        if (!(limits.getConnectionsPerSecondPerIp() > 0)) {
            throw new Libp2pConfigurationException(prefix + "connections-per-second-per-ip", limits.getConnectionsPerSecondPerIp(),
                    "must be positive", "Set " + prefix + "connections-per-second-per-ip to a rate such as 5 or 0.5.");
        }
        atLeast(prefix + "connection-burst-per-ip", limits.getConnectionBurstPerIp(), 1);
        atLeast(prefix + "max-streams-per-peer", limits.getMaxStreamsPerPeer(), 1);
        atLeast(prefix + "max-streams-per-protocol-per-peer", limits.getMaxStreamsPerProtocolPerPeer(), 1);
        builder.maxPendingUpgrades(limits.getMaxPendingUpgrades())
                .maxPendingUpgradesPerIp(limits.getMaxPendingUpgradesPerIp())
                .firstBytesTimeout(limits.getFirstBytesTimeout())
                .maxConnectionsPerIp(limits.getMaxConnectionsPerIp())
                .maxConnectionsPerSubnet(limits.getMaxConnectionsPerSubnet())
                .connectionsPerSecondPerIp(limits.getConnectionsPerSecondPerIp())
                .connectionBurstPerIp(limits.getConnectionBurstPerIp())
                .limitLoopback(limits.isLimitLoopback())
                .maxStreamsPerPeer(limits.getMaxStreamsPerPeer())
                .maxStreamsPerProtocolPerPeer(limits.getMaxStreamsPerProtocolPerPeer());
        if (limits.getMaxMemory() != null) {
            builder.maxMemory(bytes(prefix + "max-memory", limits.getMaxMemory()));
        }
        if (limits.getMaxMemoryPerPeer() != null) {
            builder.maxMemoryPerPeer(bytes(prefix + "max-memory-per-peer", limits.getMaxMemoryPerPeer()));
        }
        if (limits.getMaxMemoryPerConnection() != null) {
            builder.maxMemoryPerConnection(bytes(prefix + "max-memory-per-connection", limits.getMaxMemoryPerConnection()));
        }
        if (limits.getMaxMemoryPerStream() != null) {
            builder.maxMemoryPerStream(bytes(prefix + "max-memory-per-stream", limits.getMaxMemoryPerStream()));
        }
        List<String> allowlist = limits.getAllowlist();
        for (int i = 0; i < allowlist.size(); i++) {
            String property = prefix + "allowlist[" + i + "]";
            try {
                builder.allow(PeerId.parse(allowlist.get(i).trim()));
            } catch (IllegalArgumentException e) {
                throw new Libp2pConfigurationException(property, allowlist.get(i), "not a peer id: " + e.getMessage(),
                        "Use a peer id such as 12D3KooW... (base58), as the peer's log or libp2p endpoint shows it.");
            }
        }
        return builder.build();
    }

    private static long bytes(String property, org.springframework.util.unit.DataSize size) {
        if (size.toBytes() < 1) {
            throw new Libp2pConfigurationException(property, size, "must be at least 1 byte", "Set " + property + " to a size such as 64MB.");
        }
        return size.toBytes();
    }

    /**
     * What the peer keeper keeps: the bootstrap peers, the protected peers and the target count,
     * with the given back-off.
     */
    static PeerKeeperConfig keeperConfig(Libp2pProperties properties, ReconnectBackOff backOff, Duration dialTimeout) {
        Libp2pProperties.Reconnect reconnect = properties.getReconnect();
        atLeast("libp2p.reconnect.target-peers", reconnect.getTargetPeers(), 0);
        positive("libp2p.reconnect.discovery-interval", reconnect.getDiscoveryInterval());
        PeerKeeperConfig.Builder builder = PeerKeeperConfig.builder().bootstrapPeers(bootstrapPeers(properties))
                .targetPeers(reconnect.getTargetPeers())
                .discoveryInterval(reconnect.getDiscoveryInterval())
                .backOff(backOff)
                .dialTimeout(dialTimeout);
        List<String> protectedPeers = reconnect.getProtectedPeers();
        for (int i = 0; i < protectedPeers.size(); i++) {
            String value = protectedPeers.get(i);
            try {
                builder.protectedPeer(PeerId.parse(value.trim()));
            } catch (IllegalArgumentException e) {
                throw new Libp2pConfigurationException("libp2p.reconnect.protected-peers[" + i + "]", value, e.getMessage(),
                        "Write a peer id such as 12D3KooW... (the peer prints it at start-up).", e);
            }
        }
        return builder.build();
    }

    private static TcpSettings tcp(Libp2pProperties.Tcp tcp) {
        positive("libp2p.tcp.handshake-timeout", tcp.getHandshakeTimeout());
        atLeast("libp2p.tcp.max-streams", tcp.getMaxStreams(), 1);
        LivenessSettings liveness = liveness("libp2p.tcp", tcp.getKeepAliveInterval(), tcp.getMinPingTimeout(), tcp.getPingFailures());
        return new TcpSettings(tcp.isEnabled(), tcp.getHandshakeTimeout(), tcp.getMaxStreams(), liveness);
    }

    private static QuicSettings quic(Libp2pProperties.Quic quic) {
        positive("libp2p.quic.max-idle-timeout", quic.getMaxIdleTimeout());
        positive("libp2p.quic.keep-alive-interval", quic.getKeepAliveInterval());
        positive("libp2p.quic.handshake-timeout", quic.getHandshakeTimeout());
        if (quic.getKeepAliveInterval().compareTo(quic.getMaxIdleTimeout()) >= 0) {
            throw new Libp2pConfigurationException("libp2p.quic.keep-alive-interval", quic.getKeepAliveInterval(),
                    "must be shorter than libp2p.quic.max-idle-timeout (" + Libp2pConfigurationException.written(quic.getMaxIdleTimeout()) + "), or idle connections time out between pings",
                    "Set libp2p.quic.keep-alive-interval to at most half of libp2p.quic.max-idle-timeout.");
        }
        atLeast("libp2p.quic.max-streams", quic.getMaxStreams(), 1);
        LivenessSettings liveness = liveness("libp2p.quic", quic.getKeepAliveInterval(), quic.getMinPingTimeout(), quic.getPingFailures());
        return new QuicSettings(quic.getMaxIdleTimeout(), liveness, quic.getHandshakeTimeout(), quic.getMaxStreams());
    }

    /** A transport's {@code keep-alive-interval}, {@code min-ping-timeout} and {@code ping-failures}. */
    private static LivenessSettings liveness(String prefix, Duration interval, Duration minPingTimeout, int failures) {
        positive(prefix + ".keep-alive-interval", interval);
        positive(prefix + ".min-ping-timeout", minPingTimeout);
        if (minPingTimeout.compareTo(interval) > 0) {
            throw new Libp2pConfigurationException(prefix + ".min-ping-timeout", minPingTimeout,
                    "is longer than " + prefix + ".keep-alive-interval (" + Libp2pConfigurationException.written(interval) + "), which caps every ping's timeout",
                    "Set " + prefix + ".min-ping-timeout to at most " + prefix + ".keep-alive-interval, e.g. 60ms.");
        }
        if (failures < 1 || failures > LivenessSettings.MAX_FAILURES) {
            throw new Libp2pConfigurationException(prefix + ".ping-failures", failures,
                    "must be from 1 to " + LivenessSettings.MAX_FAILURES,
                    "Set " + prefix + ".ping-failures to e.g. 3: the first miss makes the connection suspect, the third closes it.");
        }
        return new LivenessSettings(interval, minPingTimeout, failures);
    }

    /** The bootstrap peers, each with its {@code /p2p} id. */
    static List<Multiaddr> bootstrapPeers(Libp2pProperties properties) {
        List<Multiaddr> peers = new ArrayList<>();
        List<String> configured = properties.getBootstrap().getPeers();
        for (int i = 0; i < configured.size(); i++) {
            String property = "libp2p.bootstrap.peers[" + i + "]";
            Multiaddr address = multiaddr(property, configured.get(i));
            if (address.peerId().isEmpty()) {
                throw new Libp2pConfigurationException(property, configured.get(i), "a bootstrap address must name its peer",
                        "Append the peer's id: " + configured.get(i) + "/p2p/<peer id> (the peer prints it at start-up).");
            }
            peers.add(address);
        }
        return peers;
    }

    static ReconnectSettings reconnect(Libp2pProperties.Reconnect reconnect) {
        positive("libp2p.reconnect.initial-backoff", reconnect.getInitialBackoff());
        positive("libp2p.reconnect.max-backoff", reconnect.getMaxBackoff());
        if (reconnect.getMaxBackoff().compareTo(reconnect.getInitialBackoff()) < 0) {
            throw new Libp2pConfigurationException("libp2p.reconnect.max-backoff", reconnect.getMaxBackoff(),
                    "is shorter than libp2p.reconnect.initial-backoff (" + Libp2pConfigurationException.written(reconnect.getInitialBackoff()) + ")",
                    "Set libp2p.reconnect.max-backoff to at least libp2p.reconnect.initial-backoff.");
        }
        if (reconnect.getMultiplier() < 1.0) {
            throw new Libp2pConfigurationException("libp2p.reconnect.multiplier", reconnect.getMultiplier(),
                    "must be at least 1.0, or the waits would shrink", "Set libp2p.reconnect.multiplier to 1.0 or more, e.g. 2.0.");
        }
        if (reconnect.getJitter() < 0.0 || reconnect.getJitter() >= 1.0) {
            throw new Libp2pConfigurationException("libp2p.reconnect.jitter", reconnect.getJitter(),
                    "must be a fraction from 0.0 (no spread) up to, not including, 1.0", "Set libp2p.reconnect.jitter to e.g. 0.2.");
        }
        atLeast("libp2p.reconnect.max-attempts", reconnect.getMaxAttempts(), 0);
        return new ReconnectSettings(reconnect.getInitialBackoff(), reconnect.getMultiplier(), reconnect.getMaxBackoff(),
                reconnect.getJitter(), reconnect.getMaxAttempts());
    }

    /**
     * The peer store {@code libp2p.peer-store.*} asks for: in a file next to the key file unless
     * turned off or the identity is ephemeral (a new peer id at every start owns no earlier file).
     */
    /**
     * Beside the key file and named after it, so that two nodes started from one folder with their
     * own key files do not share a peer store by accident: {@code peers.store} for the default
     * {@code identity.key}, {@code node2.peers.store} for {@code node2.key}.
     */
    static Path defaultPeerStoreFile(Path keyFile) {
        String name = keyFile.getFileName().toString();
        String stem = name.endsWith(".key") ? name.substring(0, name.length() - 4) : name;
        return keyFile.toAbsolutePath().resolveSibling(stem.equals("identity") ? "peers.store" : stem + ".peers.store");
    }

    static PeerStore peerStore(Libp2pProperties properties, PrivateKey hostKey) {
        Libp2pProperties.PeerStore store = properties.getPeerStore();
        atLeast("libp2p.peer-store.max-peers", store.getMaxPeers(), 1);
        long maxBytes = store.getMaxSize() == null ? -1 : store.getMaxSize().toBytes();
        if (maxBytes < InMemoryPeerStore.MAX_ESTIMATED_PEER_BYTES) {
            throw new Libp2pConfigurationException("libp2p.peer-store.max-size", store.getMaxSize(),
                    "must be at least " + InMemoryPeerStore.MAX_ESTIMATED_PEER_BYTES + " bytes, room for one peer filled to every bound",
                    "Set libp2p.peer-store.max-size to a size such as 8MB.");
        }
        boolean ephemeral = properties.getIdentity().isEphemeral();
        if (!store.isEnabled() || ephemeral) {
            if (store.isEnabled() && store.getFile() != null) {
                throw new Libp2pConfigurationException("libp2p.peer-store.file", store.getFile(),
                        "set, but libp2p.identity.ephemeral=true: a node with a new peer id at every start cannot reuse a peer store file",
                        "Remove libp2p.peer-store.file, or use a key file (libp2p.identity.ephemeral=false).");
            }
            return new InMemoryPeerStore(hostKey.peerId(), store.getMaxPeers(), maxBytes);
        }
        Path file = store.getFile() != null ? store.getFile() : defaultPeerStoreFile(properties.getIdentity().getKeyFile());
        return FilePeerStore.open(file, hostKey.peerId(), store.getMaxPeers(), maxBytes, FilePeerStore.DEFAULT_WRITE_DELAY);
    }

    /**
     * {@code libp2p.health.min-peers}, or its default: 1, but 0 for the first node of a network (no
     * bootstrap and no protected peers), which is healthy on its own until others join it.
     */
    static int minPeers(Libp2pProperties properties) {
        Integer configured = properties.getHealth().getMinPeers();
        if (configured != null) {
            atLeast("libp2p.health.min-peers", configured, 0);
            return configured;
        }
        return isFirstNode(properties) ? 0 : 1;
    }

    /** A node told of no peer to join: it starts a network rather than joins one. */
    static boolean isFirstNode(Libp2pProperties properties) {
        return properties.getBootstrap().getPeers().isEmpty() && properties.getReconnect().getProtectedPeers().isEmpty();
    }

    static String insufficientStatus(Libp2pProperties.Health health) {
        Libp2pProperties.InsufficientStatus status = health.getInsufficientStatus();
        return (status == null ? Libp2pProperties.InsufficientStatus.DOWN : status).name();
    }


    static void checkClient(Libp2pProperties.Client client) {
        atLeast("libp2p.client.max-attempts", client.getMaxAttempts(), 1);
        Duration delay = client.getRetryDelay();
        if (delay == null || delay.isNegative()) {
            throw new Libp2pConfigurationException("libp2p.client.retry-delay", delay, "must not be negative",
                    "Set libp2p.client.retry-delay to 0 or a duration such as 200ms.");
        }
    }

    static void checkKademlia(Libp2pProperties.Kademlia kademlia) {
        if (kademlia.getProtocol() == null || !kademlia.getProtocol().startsWith("/")) {
            throw new Libp2pConfigurationException("libp2p.kademlia.protocol", kademlia.getProtocol(),
                    "a protocol id starts with '/'", "Use e.g. /ipfs/kad/1.0.0, or your network's own id such as /mynet/kad/1.0.0.");
        }
        positive("libp2p.kademlia.query-timeout", kademlia.getQueryTimeout());
        positive("libp2p.kademlia.bootstrap-interval", kademlia.getBootstrapInterval());
        positive("libp2p.kademlia.record-ttl", kademlia.getRecordTtl());
        atLeast("libp2p.kademlia.replication-factor", kademlia.getReplicationFactor(), 1);
        atLeast("libp2p.kademlia.parallelism", kademlia.getParallelism(), 1);
        atLeast("libp2p.kademlia.max-entries-per-peer", kademlia.getMaxEntriesPerPeer(), 1);
        if (kademlia.getMaxStoreSize() != null) {
            positive("libp2p.kademlia.max-store-size", kademlia.getMaxStoreSize());
        }
        positive("libp2p.kademlia.max-size-per-peer", kademlia.getMaxSizePerPeer());
    }

    private static void positive(String property, org.springframework.util.unit.DataSize value) {
        if (value == null || value.toBytes() < 1) {
            throw new Libp2pConfigurationException(property, value, "must be a positive size",
                    "Set " + property + " to a size such as 512KB or 16MB.");
        }
    }

    private static Multiaddr multiaddr(String property, String value) {
        try {
            return Multiaddr.parse(value);
        } catch (IllegalArgumentException e) {
            throw new Libp2pConfigurationException(property, value, e.getMessage(),
                    "Write a multiaddr such as /ip4/192.0.2.1/udp/4001/quic-v1 (bootstrap peers end in /p2p/<peer id>).", e);
        }
    }

    private static void positive(String property, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new Libp2pConfigurationException(property, value, "must be a positive duration",
                    "Set " + property + " to a positive duration such as 500ms or 10s.");
        }
    }

    private static void atLeast(String property, int value, int minimum) {
        if (value < minimum) {
            throw new Libp2pConfigurationException(property, value, "must be at least " + minimum,
                    "Set " + property + " to " + minimum + " or more.");
        }
    }

    /** The validated {@code libp2p.reconnect.*} settings. */
    record ReconnectSettings(Duration initialBackoff, double multiplier, Duration maxBackoff, double jitter, int maxAttempts) {
    }
}
