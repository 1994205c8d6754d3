package io.github.p2pboot.resource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.swarm.Direction;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ResourceManagerTest {

    private final AtomicLong now = new AtomicLong();
    private final Incidents incidents = new Incidents(now::get);

    private ResourceManager manager(ResourceLimits.Builder limits) {
        return new ResourceManager(limits.build(), incidents, now::get);
    }

    private static ResourceLimits.Builder small() {
        return ResourceLimits.builderScaledTo(64L << 20, 64L << 20);
    }

    private static PeerId peer() {
        return PrivateKey.generateEd25519().peerId();
    }

    private static InetSocketAddress at(String ip) {
        return new InetSocketAddress(ip, 4001);
    }

    @Test
    void defaultsScaleWithMemory() {
        ResourceLimits small = small().build();
        ResourceLimits large = ResourceLimits.builderScaledTo(16L << 30, 16L << 30).build();
        assertThat(small.maxMemory()).isEqualTo(16L << 20);
        assertThat(small.maxMemoryPerStream()).isGreaterThanOrEqualTo(1L << 20).as("a 1 MiB Kademlia message fits");
        assertThat(large.maxMemoryPerPeer()).isEqualTo(64L << 20);
        assertThat(large.maxInboundConnections()).isGreaterThan(small.maxInboundConnections());
        assertThat(small.maxInboundConnections()).isGreaterThanOrEqualTo(64);
    }

    @Test
    void connectionsPerIpAndPerSubnetAreLimitedAndGivenBack() {
        ResourceManager manager = manager(small().maxConnectionsPerIp(2).maxConnectionsPerSubnet(3));
        ConnectionScope first = manager.openConnection(peer(), at("198.51.100.7"), Direction.INBOUND);
        manager.openConnection(peer(), at("198.51.100.7"), Direction.INBOUND);
        assertThatThrownBy(() -> manager.openConnection(peer(), at("198.51.100.7"), Direction.INBOUND))
                .isInstanceOf(ResourceLimitException.class).hasMessageContaining("2 connections per IP");
        manager.openConnection(peer(), at("198.51.100.8"), Direction.INBOUND);
        assertThatThrownBy(() -> manager.openConnection(peer(), at("198.51.100.9"), Direction.INBOUND))
                .hasMessageContaining("3 connections per subnet");
        // Another subnet, and our own dials, are not affected.
        manager.openConnection(peer(), at("198.51.101.7"), Direction.INBOUND);
        manager.openConnection(peer(), at("198.51.100.7"), Direction.OUTBOUND);
        first.close();
        first.close();
        manager.openConnection(peer(), at("198.51.100.7"), Direction.INBOUND);
        assertThat(manager.usage().inboundConnections()).isEqualTo(4);
        assertThat(manager.usage().outboundConnections()).isEqualTo(1);
        assertThat(incidents.total(ResourceManager.PER_IP)).isEqualTo(1);
        assertThat(incidents.total(ResourceManager.PER_SUBNET)).isEqualTo(1);
    }

    @Test
    void ipv6HostsAreCountedByTheirSlash64() {
        ResourceManager manager = manager(small().maxConnectionsPerIp(1));
        manager.openConnection(peer(), at("2001:db8:1:2::1"), Direction.INBOUND);
        assertThatThrownBy(() -> manager.openConnection(peer(), at("2001:db8:1:2:ffff::9"), Direction.INBOUND))
                .isInstanceOf(ResourceLimitException.class);
        manager.openConnection(peer(), at("2001:db8:1:3::1"), Direction.INBOUND);
    }

    @Test
    void loopbackIsExemptUnlessAskedOtherwise() {
        ResourceManager lenient = manager(small().maxConnectionsPerIp(1));
        lenient.openConnection(peer(), at("127.0.0.1"), Direction.INBOUND);
        lenient.openConnection(peer(), at("127.0.0.1"), Direction.INBOUND);
        ResourceManager strict = manager(small().maxConnectionsPerIp(1).limitLoopback(true));
        strict.openConnection(peer(), at("127.0.0.1"), Direction.INBOUND);
        assertThatThrownBy(() -> strict.openConnection(peer(), at("127.0.0.1"), Direction.INBOUND))
                .isInstanceOf(ResourceLimitException.class);
    }

    @Test
    void allowlistedPeersPassNodeWideAndPerIpLimits() {
        PeerId trusted = peer();
        ResourceManager manager = manager(small().maxConnectionsPerIp(1).maxInboundConnections(1).allow(trusted));
        manager.openConnection(peer(), at("198.51.100.7"), Direction.INBOUND);
        assertThatThrownBy(() -> manager.openConnection(peer(), at("198.51.100.8"), Direction.INBOUND))
                .hasMessageContaining("node-wide limit of 1 inbound");
        manager.openConnection(trusted, at("198.51.100.7"), Direction.INBOUND);
        PeerId later = peer();
        manager.allow(later);
        manager.openConnection(later, at("198.51.100.7"), Direction.INBOUND);
        manager.disallow(trusted);
        assertThat(manager.isAllowed(trusted)).as("configured allowlist stays").isTrue();
    }

    @Test
    void pendingUpgradesAreLimitedPerIpAndByRate() {
        ResourceManager manager = manager(small().maxPendingUpgradesPerIp(2).connectionBurstPerIp(3).connectionsPerSecondPerIp(1));
        UpgradeSlot a = manager.beginUpgrade(at("198.51.100.7"), "TCP");
        UpgradeSlot b = manager.beginUpgrade(at("198.51.100.7"), "TCP");
        assertThat(a).isNotNull();
        assertThat(b).isNotNull();
        assertThat(manager.beginUpgrade(at("198.51.100.7"), "TCP")).as("third pending from one IP").isNull();
        a.release();
        a.release();
        assertThat(manager.beginUpgrade(at("198.51.100.7"), "TCP")).as("slot freed").isNotNull();
        b.release();
        assertThat(manager.beginUpgrade(at("198.51.100.7"), "TCP")).as("burst of 3 spent").isNull();
        now.addAndGet(1_000_000_000L);
        assertThat(manager.beginUpgrade(at("198.51.100.7"), "TCP")).as("one more after a second").isNotNull();
        assertThat(manager.beginUpgrade(at("198.51.100.8"), "TCP")).as("other IPs unaffected").isNotNull();
        assertThat(incidents.total(ResourceManager.PENDING_PER_IP)).isEqualTo(1);
        assertThat(incidents.total(ResourceManager.RATE_PER_IP)).isEqualTo(1);
    }

    @Test
    void nodeWidePendingLimitHoldsForEveryone() {
        ResourceManager manager = manager(small().maxPendingUpgrades(3));
        List<UpgradeSlot> slots = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            slots.add(manager.beginUpgrade(at("198.51.100." + i), "QUIC"));
        }
        assertThat(slots).doesNotContainNull();
        assertThat(manager.beginUpgrade(at("198.51.100.9"), "QUIC")).isNull();
        assertThat(manager.usage().pendingUpgrades()).isEqualTo(3);
        slots.forEach(UpgradeSlot::release);
        assertThat(manager.usage().pendingUpgrades()).isZero();
    }

    @Test
    void streamsAreLimitedPerPeerAndPerProtocol() {
        ResourceManager manager = manager(small().maxStreamsPerPeer(3).maxStreamsPerProtocolPerPeer(2));
        PeerId peer = peer();
        ConnectionScope one = manager.openConnection(peer, at("198.51.100.7"), Direction.INBOUND);
        ConnectionScope two = manager.openConnection(peer, at("198.51.100.7"), Direction.INBOUND);
        StreamScope s1 = one.openStream();
        s1.protocol("/ipfs/kad/1.0.0");
        StreamScope s2 = two.openStream();
        s2.protocol("/ipfs/kad/1.0.0");
        StreamScope s3 = two.openStream();
        assertThatThrownBy(() -> s3.protocol("/ipfs/kad/1.0.0")).hasMessageContaining("2 streams per protocol per peer");
        s3.protocol("/ipfs/id/1.0.0");
        assertThatThrownBy(one::openStream).hasMessageContaining("3 streams per peer");
        manager.openConnection(peer(), at("198.51.100.8"), Direction.INBOUND).openStream();
        s1.close();
        one.openStream().protocol("/ipfs/kad/1.0.0");
        assertThat(manager.usage().streams()).isEqualTo(4);
    }

    @Test
    void memoryIsReservedFromStreamConnectionPeerAndNode() {
        ResourceManager manager = manager(small().maxMemoryPerStream(100).maxMemoryPerConnection(150)
                .maxMemoryPerPeer(200).maxMemory(250));
        PeerId peer = peer();
        ConnectionScope connection = manager.openConnection(peer, at("198.51.100.7"), Direction.INBOUND);
        StreamScope a = connection.openStream();
        StreamScope b = connection.openStream();
        assertThat(a.reserve(100)).isTrue();
        assertThat(a.reserve(1)).as("stream full").isFalse();
        assertThat(b.reserve(60)).as("connection full").isFalse();
        assertThat(b.reserve(50)).isTrue();
        ConnectionScope second = manager.openConnection(peer, at("198.51.100.7"), Direction.INBOUND);
        assertThat(second.openStream().reserve(51)).as("peer full").isFalse();
        ConnectionScope other = manager.openConnection(peer(), at("198.51.100.8"), Direction.INBOUND);
        assertThat(other.reserve(101)).as("node full").isFalse();
        assertThat(other.reserve(100)).isTrue();
        assertThat(manager.usage().memory()).isEqualTo(250);
        a.release(40);
        assertThat(manager.usage().memory()).isEqualTo(210);
        a.close();
        b.close();
        connection.close();
        other.close();
        assertThat(manager.usage().memory()).isZero();
        assertThat(incidents.total(ResourceManager.MEMORY)).isEqualTo(4);
    }

    @Test
    void everythingGivenBackLeavesNoPeerBehind() {
        ResourceManager manager = manager(small());
        ConnectionScope connection = manager.openConnection(peer(), at("198.51.100.7"), Direction.INBOUND);
        StreamScope stream = connection.openStream();
        stream.protocol("/ipfs/ping/1.0.0");
        stream.reserve(10);
        connection.reserve(5);
        connection.close();
        assertThat(manager.usage().peers()).as("its stream is still open").isEqualTo(1);
        stream.close();
        ResourceUsage usage = manager.usage();
        assertThat(usage.peers()).isZero();
        assertThat(usage.streams()).isZero();
        assertThat(usage.memory()).isZero();
        assertThat(usage.inboundConnections()).isZero();
    }
}
