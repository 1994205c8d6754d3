package io.github.p2pboot.swarm;

import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.multiaddr.Protocol;
import io.github.p2pboot.peerstore.InMemoryPeerStore;
import io.github.p2pboot.peerstore.PeerStore;
import io.github.p2pboot.resource.ResourceLimits;
import io.github.p2pboot.transport.HostPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything a {@link Swarm} is built from. Create it with {@link #builder(PrivateKey)}.
 *
 * @param hostKey the node's identity; its peer id is derived from it
 * @param listenAddresses where to listen; port 0 picks a free port
 * @param quic QUIC connection settings
 * @param tcp TCP (Noise and Yamux) settings, including whether TCP is used at all
 * @param agentVersion what identify reports as our implementation
 * @param maxConnectionsPerPeer connections to one peer beyond this many push out its oldest one
 * @param dialStagger when a peer has several addresses, how long each dial attempt gets before the
 *     next address is tried alongside it (QUIC addresses are tried first)
 * @param negotiationTimeout how long multistream-select may take on one stream
 * @param ioThreads Netty event-loop threads; 0 lets Netty choose (twice the cores)
 * @param quicConnectionMemory a file where QUIC remembers its open inbound connections, so that
 *     after a crash the restarted node ends them at once with stateless resets; null for none.
 *     Only meaningful with the same host key across restarts
 * @param limits what peers may make the node hold: connections, streams, memory, upgrades, per
 *     scope; {@link ResourceLimits#defaults()} scales them from the JVM's memory
 * @param peerStore where the swarm records the peers it meets; an {@link InMemoryPeerStore} unless
 *     set. The caller who sets one closes it, after the swarm
 * @param perf whether to serve the libp2p perf protocol ({@code /perf/1.0.0}), with which a peer
 *     measures throughput by making this node receive and send as many bytes as it asks; off
 *     by default, as the perf spec requires, and not for nodes that untrusted peers reach
 */
public record SwarmConfig(
        PrivateKey hostKey,
        List<Multiaddr> listenAddresses,
        QuicSettings quic,
        TcpSettings tcp,
        String agentVersion,
        int maxConnectionsPerPeer,
        Duration dialStagger,
        Duration negotiationTimeout,
        int ioThreads,
        java.nio.file.Path quicConnectionMemory,
        ResourceLimits limits,
        PeerStore peerStore,
        boolean perf) {

    public static final String DEFAULT_AGENT_VERSION = "p2pboot/0.1.0";

    public SwarmConfig {
        Objects.requireNonNull(hostKey, "hostKey");
        listenAddresses = List.copyOf(listenAddresses);
        Objects.requireNonNull(quic, "quic");
        Objects.requireNonNull(tcp, "tcp");
        Objects.requireNonNull(agentVersion, "agentVersion");
        if (maxConnectionsPerPeer < 1) {
            throw new IllegalArgumentException("maxConnectionsPerPeer must be at least 1, got " + maxConnectionsPerPeer);
        }
        Objects.requireNonNull(dialStagger, "dialStagger");
        if (dialStagger.isNegative()) {
            throw new IllegalArgumentException("dialStagger must not be negative, got " + dialStagger);
        }
        QuicSettings.requirePositive("negotiationTimeout", negotiationTimeout);
        if (ioThreads < 0) {
            throw new IllegalArgumentException("ioThreads must not be negative, got " + ioThreads);
        }
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(peerStore, "peerStore");
    }

    public static Builder builder(PrivateKey hostKey) {
        return new Builder(hostKey);
    }

    /** Builds a {@link SwarmConfig}; every setting but the host key has a default. */
    public static final class Builder {
        private final PrivateKey hostKey;
        private final List<Multiaddr> listenAddresses = new ArrayList<>();
        private QuicSettings quic = QuicSettings.DEFAULTS;
        private TcpSettings tcp = TcpSettings.DEFAULTS;
        private String agentVersion = DEFAULT_AGENT_VERSION;
        private int maxConnectionsPerPeer = 4;
        private Duration dialStagger = Duration.ofMillis(250);
        private Duration negotiationTimeout = Duration.ofSeconds(10);
        private int ioThreads;
        private PeerStore peerStore;
        private ResourceLimits limits;
        private java.nio.file.Path quicConnectionMemory;
        private boolean perf;

        private Builder(PrivateKey hostKey) {
            this.hostKey = hostKey;
        }

        /**
         * Adds an address to listen on: {@code /ip4|ip6/<address>/udp/<port>/quic-v1} or
         * {@code /ip4|ip6/<address>/tcp/<port>}, with an IP address (port 0 for any free one).
         *
         * @throws IllegalArgumentException if {@code address} is neither, or names a host
         */
        public Builder listen(Multiaddr address) {
            HostPort hostPort = HostPort.match(address, Protocol.TCP);
            if (hostPort == null) {
                hostPort = HostPort.match(address, Protocol.UDP, Protocol.QUIC_V1);
            }
            if (hostPort == null || !hostPort.isIpLiteral()) {
                throw new IllegalArgumentException(address + " is not a QUIC or TCP listen address: use /ip4/<address>/udp/<port>/quic-v1"
                        + " or /ip4/<address>/tcp/<port> (or /ip6/...), with an IP address, not a name");
            }
            listenAddresses.add(address);
            return this;
        }

        public Builder listen(String address) {
            return listen(Multiaddr.parse(address));
        }

        public Builder quic(QuicSettings quic) {
            this.quic = quic;
            return this;
        }

        public Builder tcp(TcpSettings tcp) {
            this.tcp = tcp;
            return this;
        }

        public Builder agentVersion(String agentVersion) {
            this.agentVersion = agentVersion;
            return this;
        }

        /** The resource limits; default {@link ResourceLimits#defaults()}, scaled from this JVM's memory. */
        public Builder limits(ResourceLimits limits) {
            this.limits = limits;
            return this;
        }

        public Builder maxConnectionsPerPeer(int maxConnectionsPerPeer) {
            this.maxConnectionsPerPeer = maxConnectionsPerPeer;
            return this;
        }

        public Builder dialStagger(Duration dialStagger) {
            this.dialStagger = dialStagger;
            return this;
        }

        public Builder negotiationTimeout(Duration negotiationTimeout) {
            this.negotiationTimeout = negotiationTimeout;
            return this;
        }

        public Builder ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        /** Where QUIC remembers its inbound connections across a crash; none unless set. */
        public Builder quicConnectionMemory(java.nio.file.Path quicConnectionMemory) {
            this.quicConnectionMemory = quicConnectionMemory;
            return this;
        }

        /** The peer store, e.g. a {@link io.github.p2pboot.peerstore.FilePeerStore}; default a new in-memory one. */
        public Builder peerStore(PeerStore peerStore) {
            this.peerStore = peerStore;
            return this;
        }

        /** Whether to serve {@code /perf/1.0.0} (see {@link SwarmConfig#perf()}); default false. */
        public Builder perf(boolean perf) {
            this.perf = perf;
            return this;
        }

        public SwarmConfig build() {
            return new SwarmConfig(hostKey, listenAddresses, quic, tcp, agentVersion, maxConnectionsPerPeer, dialStagger,
                    negotiationTimeout, ioThreads, quicConnectionMemory, limits != null ? limits : ResourceLimits.defaults(), peerStore != null ? peerStore : new InMemoryPeerStore(hostKey.peerId()), perf);
        }
    }
}
