package io.github.p2pboot.resource;

import io.github.p2pboot.identity.PeerId;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * What peers may make this node hold, scope by scope, as go-libp2p's resource manager has it:
 * the whole node (system), connections still in their upgrade (transient), one peer, one
 * connection, one stream, and one protocol on one peer. {@link #defaults()} scales the counts and
 * budgets from the JVM's heap and direct memory.
 *
 * @param maxInboundConnections established connections peers dialled, for the whole node
 * @param maxOutboundConnections established connections we dialled, for the whole node
 * @param maxPendingUpgrades inbound connections still authenticating, for the whole node
 * @param maxPendingUpgradesPerIp inbound connections still authenticating from one IP address
 * @param firstBytesTimeout how long an inbound TCP connection may stay silent before its first byte
 * @param maxConnectionsPerIp established connections from one IPv4 address or IPv6 /64
 * @param maxConnectionsPerSubnet established connections from one IPv4 /24 or IPv6 /48
 * @param connectionsPerSecondPerIp how fast one IP address may open connections, sustained
 * @param connectionBurstPerIp how many connections one IP address may open at once
 * @param limitLoopback whether the per-IP limits apply to loopback addresses (off by default, as
 *     in go-libp2p, so that nodes on one machine can all reach each other)
 * @param maxStreams open streams, for the whole node
 * @param maxStreamsPerPeer open streams with one peer, over all its connections
 * @param maxStreamsPerProtocolPerPeer open streams of one protocol with one peer
 * @param maxMemory bytes peers may make the node buffer in all
 * @param maxMemoryPerPeer bytes one peer may make us buffer
 * @param maxMemoryPerConnection bytes one connection may make us buffer
 * @param maxMemoryPerStream bytes one stream may make us buffer (an unfinished message, say)
 * @param allowlist peers exempt from the node-wide and per-IP limits, so that others cannot starve
 *     them; the swarm adds bootstrap and protected peers at run time
 */
public record ResourceLimits(
        int maxInboundConnections,
        int maxOutboundConnections,
        int maxPendingUpgrades,
        int maxPendingUpgradesPerIp,
        Duration firstBytesTimeout,
        int maxConnectionsPerIp,
        int maxConnectionsPerSubnet,
        double connectionsPerSecondPerIp,
        int connectionBurstPerIp,
        boolean limitLoopback,
        int maxStreams,
        int maxStreamsPerPeer,
        int maxStreamsPerProtocolPerPeer,
        long maxMemory,
        long maxMemoryPerPeer,
        long maxMemoryPerConnection,
        long maxMemoryPerStream,
        Set<PeerId> allowlist) {

    private static final long MIB = 1024 * 1024;

    public ResourceLimits {
        positive("maxInboundConnections", maxInboundConnections);
        positive("maxOutboundConnections", maxOutboundConnections);
        positive("maxPendingUpgrades", maxPendingUpgrades);
        positive("maxPendingUpgradesPerIp", maxPendingUpgradesPerIp);
        Objects.requireNonNull(firstBytesTimeout, "firstBytesTimeout");
        if (firstBytesTimeout.isNegative() || firstBytesTimeout.isZero()) {
            throw new IllegalArgumentException("firstBytesTimeout must be positive, got " + firstBytesTimeout);
        }
        positive("maxConnectionsPerIp", maxConnectionsPerIp);
        positive("maxConnectionsPerSubnet", maxConnectionsPerSubnet);
        if (!(connectionsPerSecondPerIp > 0)) {
            throw new IllegalArgumentException("connectionsPerSecondPerIp must be positive, got " + connectionsPerSecondPerIp);
        }
        positive("connectionBurstPerIp", connectionBurstPerIp);
        positive("maxStreams", maxStreams);
        positive("maxStreamsPerPeer", maxStreamsPerPeer);
        positive("maxStreamsPerProtocolPerPeer", maxStreamsPerProtocolPerPeer);
        positive("maxMemory", maxMemory);
        positive("maxMemoryPerPeer", maxMemoryPerPeer);
        positive("maxMemoryPerConnection", maxMemoryPerConnection);
        positive("maxMemoryPerStream", maxMemoryPerStream);
        allowlist = Set.copyOf(allowlist);
    }

    private static void positive(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
    }

    /** Limits scaled from this JVM's memory; see {@link Builder} for how. */
    public static ResourceLimits defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder(Runtime.getRuntime().maxMemory(), maxDirectMemory());
    }

    /** A builder whose defaults are scaled from the given heap and direct-memory sizes. */
    public static Builder builderScaledTo(long maxHeap, long maxDirect) {
        return new Builder(maxHeap, maxDirect);
    }

    public Builder toBuilder() {
        Builder b = new Builder(0, 0);
        b.maxInboundConnections = maxInboundConnections;
        b.maxOutboundConnections = maxOutboundConnections;
        b.maxPendingUpgrades = maxPendingUpgrades;
        b.maxPendingUpgradesPerIp = maxPendingUpgradesPerIp;
        b.firstBytesTimeout = firstBytesTimeout;
        b.maxConnectionsPerIp = maxConnectionsPerIp;
        b.maxConnectionsPerSubnet = maxConnectionsPerSubnet;
        b.connectionsPerSecondPerIp = connectionsPerSecondPerIp;
        b.connectionBurstPerIp = connectionBurstPerIp;
        b.limitLoopback = limitLoopback;
        b.maxStreams = maxStreams;
        b.maxStreamsPerPeer = maxStreamsPerPeer;
        b.maxStreamsPerProtocolPerPeer = maxStreamsPerProtocolPerPeer;
        b.maxMemory = maxMemory;
        b.maxMemoryPerPeer = maxMemoryPerPeer;
        b.maxMemoryPerConnection = maxMemoryPerConnection;
        b.maxMemoryPerStream = maxMemoryPerStream;
        b.allowlist.addAll(allowlist);
        return b;
    }

    /** Netty's view of the direct-memory limit, which is what its buffers count against. */
    static long maxDirectMemory() {
        try {
            return io.netty.util.internal.PlatformDependent.maxDirectMemory();
        } catch (RuntimeException | LinkageError e) {
            return Runtime.getRuntime().maxMemory();
        }
    }

    /**
     * Builds {@link ResourceLimits}. The defaults:
     * <ul>
     *   <li>memory for the whole node: a quarter of the smaller of heap and direct memory; per peer
     *       an eighth of that, at most 64 MiB; per connection half a peer's; per stream 2 MiB,
     *       room for one 1 MiB Kademlia message and its framing, at most a connection's;
     *   <li>connections: one per MiB of that node budget, between 64 and 1024, each way; streams
     *       16 per connection; per peer 512 streams and 64 of one protocol;
     *   <li>upgrades: 128 pending, 8 per IP, the first byte within 3 s;
     *   <li>per IP 8 connections, per subnet 32, 5 new ones a second with a burst of 16.
     * </ul>
     */
    public static final class Builder {
        private int maxInboundConnections;
        private int maxOutboundConnections;
        private int maxPendingUpgrades = 128;
        private int maxPendingUpgradesPerIp = 8;
        private Duration firstBytesTimeout = Duration.ofSeconds(3);
        private int maxConnectionsPerIp = 8;
        private int maxConnectionsPerSubnet = 32;
        private double connectionsPerSecondPerIp = 5;
        private int connectionBurstPerIp = 16;
        private boolean limitLoopback;
        private int maxStreams;
        private int maxStreamsPerPeer = 512;
        private int maxStreamsPerProtocolPerPeer = 64;
        private long maxMemory;
        private long maxMemoryPerPeer;
        private long maxMemoryPerConnection;
        private long maxMemoryPerStream;
        private final Set<PeerId> allowlist = new HashSet<>();

        private Builder(long maxHeap, long maxDirect) {
            long budget = Math.max(16 * MIB, Math.min(maxHeap, maxDirect) / 4);
            maxMemory = budget;
            maxMemoryPerPeer = Math.min(64 * MIB, Math.max(4 * MIB, budget / 8));
            maxMemoryPerConnection = Math.max(2 * MIB, maxMemoryPerPeer / 2);
            maxMemoryPerStream = Math.min(2 * MIB, maxMemoryPerConnection);
            int connections = (int) Math.max(64, Math.min(1024, budget / MIB));
            maxInboundConnections = connections;
            maxOutboundConnections = connections;
            maxStreams = connections * 16;
        }

        public Builder maxInboundConnections(int value) { maxInboundConnections = value; return this; }

        public Builder maxOutboundConnections(int value) { maxOutboundConnections = value; return this; }

        public Builder maxPendingUpgrades(int value) { maxPendingUpgrades = value; return this; }

        public Builder maxPendingUpgradesPerIp(int value) { maxPendingUpgradesPerIp = value; return this; }

        public Builder firstBytesTimeout(Duration value) { firstBytesTimeout = value; return this; }

        public Builder maxConnectionsPerIp(int value) { maxConnectionsPerIp = value; return this; }

        public Builder maxConnectionsPerSubnet(int value) { maxConnectionsPerSubnet = value; return this; }

        public Builder connectionsPerSecondPerIp(double value) { connectionsPerSecondPerIp = value; return this; }

        public Builder connectionBurstPerIp(int value) { connectionBurstPerIp = value; return this; }

        public Builder limitLoopback(boolean value) { limitLoopback = value; return this; }

        public Builder maxStreams(int value) { maxStreams = value; return this; }

        public Builder maxStreamsPerPeer(int value) { maxStreamsPerPeer = value; return this; }

        public Builder maxStreamsPerProtocolPerPeer(int value) { maxStreamsPerProtocolPerPeer = value; return this; }

        public Builder maxMemory(long value) { maxMemory = value; return this; }

        public Builder maxMemoryPerPeer(long value) { maxMemoryPerPeer = value; return this; }

        public Builder maxMemoryPerConnection(long value) { maxMemoryPerConnection = value; return this; }

        public Builder maxMemoryPerStream(long value) { maxMemoryPerStream = value; return this; }

        public Builder allow(PeerId peer) { allowlist.add(peer); return this; }

        public Builder allowlist(Set<PeerId> peers) { allowlist.clear(); allowlist.addAll(peers); return this; }

        public ResourceLimits build() {
            return new ResourceLimits(maxInboundConnections, maxOutboundConnections, maxPendingUpgrades, maxPendingUpgradesPerIp,
                    firstBytesTimeout, maxConnectionsPerIp, maxConnectionsPerSubnet, connectionsPerSecondPerIp, connectionBurstPerIp,
                    limitLoopback, maxStreams, maxStreamsPerPeer, maxStreamsPerProtocolPerPeer, maxMemory, maxMemoryPerPeer,
                    maxMemoryPerConnection, maxMemoryPerStream, allowlist);
        }
    }
}
