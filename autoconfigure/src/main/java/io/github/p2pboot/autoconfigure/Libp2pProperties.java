package io.github.p2pboot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code libp2p.*} settings of the node. Validated when the node is built: a wrong value stops
 * start-up with a message naming the property and the fix, and so does a name that is not one of
 * these (a typo would otherwise leave the default running unnoticed).
 */
@ConfigurationProperties(prefix = "libp2p", ignoreUnknownFields = false)
public class Libp2pProperties {

    /** Whether to run a libp2p node. */
    private boolean enabled = true;

    /** The node's identity: the key file that keeps its peer id across restarts, or an ephemeral key. */
    private final Identity identity = new Identity();

    /** Multiaddrs to listen on: QUIC (/ip4|ip6/<ip>/udp/<port>/quic-v1) and TCP (/ip4|ip6/<ip>/tcp/<port>). Port 0 picks a free port. */
    private List<String> listen = new ArrayList<>(List.of("/ip4/0.0.0.0/udp/4001/quic-v1", "/ip4/0.0.0.0/tcp/4001"));

    /** The QUIC transport: idle timeout, handshake, streams, and liveness pings on QUIC connections. */
    private final Quic quic = new Quic();

    /** The TCP transport (Noise, Yamux): handshake, streams, and liveness pings on TCP connections. */
    private final Tcp tcp = new Tcp();

    /** The Kademlia DHT: protocol, mode, queries, and the bounds of the record store. */
    private final Kademlia kademlia = new Kademlia();

    /** The peers the node joins its network through. */
    private final Bootstrap bootstrap = new Bootstrap();

    /** Staying joined: the back-off between redials of kept peers, the target peer count, and protected peers. */
    private final Reconnect reconnect = new Reconnect();

    /** The connection pool: connections per peer and the stagger between concurrent dials. */
    private final Connections connections = new Connections();

    /** The libp2p health indicator: how many peers make the node healthy, and the status when it has fewer. */
    private final Health health = new Health();

    /** The peer store: the peers the node remembers across restarts. */
    private final PeerStore peerStore = new PeerStore();

    /** The request client of request-response protocols. */
    private final Client client = new Client();

    /** What peers may make the node hold: connections, pending upgrades, streams, memory, deadlines. */
    private final Limits limits = new Limits();

    /** The libp2p perf protocol (/perf/1.0.0), off by default as its spec asks: for measuring throughput between nodes. */
    private final Perf perf = new Perf();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Identity getIdentity() {
        return identity;
    }

    public List<String> getListen() {
        return listen;
    }

    public void setListen(List<String> listen) {
        this.listen = listen;
    }

    public Quic getQuic() {
        return quic;
    }

    public Tcp getTcp() {
        return tcp;
    }

    public Perf getPerf() {
        return perf;
    }

    /** The libp2p perf protocol, for measuring throughput. */
    public static class Perf {

        /** Whether to serve /perf/1.0.0, with which any peer can make the node receive and send as many bytes as it asks (up to 64 GiB a stream). Off by default, as the perf spec says; not for publicly reachable nodes. */
        private boolean enabled;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    public Kademlia getKademlia() {
        return kademlia;
    }

    public Bootstrap getBootstrap() {
        return bootstrap;
    }

    public Reconnect getReconnect() {
        return reconnect;
    }

    public Health getHealth() {
        return health;
    }

    public Client getClient() {
        return client;
    }

    public PeerStore getPeerStore() {
        return peerStore;
    }

    public static class Identity {

        /**
         * File holding the node's private key (libp2p protobuf format), so that the peer id survives
         * restarts. Created with owner-only permissions when missing; locked while the node runs.
         */
        private Path keyFile = Path.of(".libp2p", "identity.key");

        /** Use a fresh in-memory identity instead of the key file: a new peer id at every start. */
        private boolean ephemeral = false;

        public Path getKeyFile() {
            return keyFile;
        }

        public void setKeyFile(Path keyFile) {
            this.keyFile = keyFile;
        }

        public boolean isEphemeral() {
            return ephemeral;
        }

        public void setEphemeral(boolean ephemeral) {
            this.ephemeral = ephemeral;
        }
    }

    public static class Quic {

        /** A connection that receives nothing for this long is closed; the smaller of both peers' values applies. */
        private Duration maxIdleTimeout = Duration.ofSeconds(10);

        /** How often each QUIC connection is pinged (one kept ping stream per connection). Must be shorter than max-idle-timeout. */
        private Duration keepAliveInterval = Duration.ofSeconds(1);

        /** The floor of the per-ping timeout, which otherwise follows the measured round trip (2·srtt + 4·rttvar + 25 ms, at most the interval). */
        private Duration minPingTimeout = Duration.ofMillis(60);

        /** Pings in a row that may go unanswered before the connection is closed (1 to 10); the first miss makes it suspect and sends the next ping at once. */
        private int pingFailures = 3;

        /** How long a dial may take to finish the QUIC and TLS handshake. */
        private Duration handshakeTimeout = Duration.ofSeconds(10);

        /** How many concurrent streams a peer may open on one connection. */
        private int maxStreams = 256;

        public Duration getMaxIdleTimeout() {
            return maxIdleTimeout;
        }

        public void setMaxIdleTimeout(Duration maxIdleTimeout) {
            this.maxIdleTimeout = maxIdleTimeout;
        }

        public Duration getKeepAliveInterval() {
            return keepAliveInterval;
        }

        public void setKeepAliveInterval(Duration keepAliveInterval) {
            this.keepAliveInterval = keepAliveInterval;
        }

        public Duration getMinPingTimeout() {
            return minPingTimeout;
        }

        public void setMinPingTimeout(Duration minPingTimeout) {
            this.minPingTimeout = minPingTimeout;
        }

        public int getPingFailures() {
            return pingFailures;
        }

        public void setPingFailures(int pingFailures) {
            this.pingFailures = pingFailures;
        }

        public Duration getHandshakeTimeout() {
            return handshakeTimeout;
        }

        public void setHandshakeTimeout(Duration handshakeTimeout) {
            this.handshakeTimeout = handshakeTimeout;
        }

        public int getMaxStreams() {
            return maxStreams;
        }

        public void setMaxStreams(int maxStreams) {
            this.maxStreams = maxStreams;
        }
    }

    public static class Tcp {

        /** Whether to dial and listen on TCP (secured with Noise, multiplexed with Yamux) next to QUIC, as the fallback where UDP does not get through. */
        private boolean enabled = true;

        /** How long a TCP dial may take to connect and finish the Noise and Yamux upgrade. */
        private Duration handshakeTimeout = Duration.ofSeconds(10);

        /** How many concurrent streams a peer may open on one TCP connection. */
        private int maxStreams = 256;

        /** How often each TCP connection is pinged (one kept ping stream per connection), so that a peer that vanished without closing is noticed. */
        private Duration keepAliveInterval = Duration.ofSeconds(1);

        /** The floor of the per-ping timeout, which otherwise follows the measured round trip (2·srtt + 4·rttvar + 200 ms, at most the interval). */
        private Duration minPingTimeout = Duration.ofMillis(60);

        /** Pings in a row that may go unanswered before the connection is closed (1 to 10); the first miss makes it suspect and sends the next ping at once. */
        private int pingFailures = 3;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Duration getHandshakeTimeout() {
            return handshakeTimeout;
        }

        public void setHandshakeTimeout(Duration handshakeTimeout) {
            this.handshakeTimeout = handshakeTimeout;
        }

        public int getMaxStreams() {
            return maxStreams;
        }

        public void setMaxStreams(int maxStreams) {
            this.maxStreams = maxStreams;
        }

        public Duration getKeepAliveInterval() {
            return keepAliveInterval;
        }

        public void setKeepAliveInterval(Duration keepAliveInterval) {
            this.keepAliveInterval = keepAliveInterval;
        }

        public Duration getMinPingTimeout() {
            return minPingTimeout;
        }

        public void setMinPingTimeout(Duration minPingTimeout) {
            this.minPingTimeout = minPingTimeout;
        }

        public int getPingFailures() {
            return pingFailures;
        }

        public void setPingFailures(int pingFailures) {
            this.pingFailures = pingFailures;
        }
    }

    public static class Kademlia {

        /** The DHT protocol id; private networks use their own. */
        private String protocol = "/ipfs/kad/1.0.0";

        /** Server mode serves and advertises the DHT protocol; client mode only queries. */
        private KademliaMode mode = KademliaMode.SERVER;

        /** How long one lookup may take before it returns what it has. */
        private Duration queryTimeout = Duration.ofSeconds(60);

        /** k: bucket size, and how many peers store each record. */
        private int replicationFactor = 20;

        /** alpha: how many peers a lookup queries at once. */
        private int parallelism = 3;

        /** How often the routing table is refreshed by a bootstrap. */
        private Duration bootstrapInterval = Duration.ofMinutes(5);

        /** How long a stored record lives. */
        private Duration recordTtl = Duration.ofHours(36);

        /**
         * The heap that the records and provider entries this node stores for the DHT may take in
         * all (keys, values and their bookkeeping); beyond it new ones are refused. Unset: a 32nd of
         * the maximum heap, at most 64MB (16MB with -Xmx512m).
         */
        private @Nullable DataSize maxStoreSize;

        /** Records and provider entries one remote peer may make this node store at once; beyond it that peer is refused. */
        private int maxEntriesPerPeer = 1024;

        /** Bytes (as for max-store-size) one remote peer may make this node store at once; beyond it that peer is refused. */
        private DataSize maxSizePerPeer = DataSize.ofMegabytes(1);

        public String getProtocol() {
            return protocol;
        }

        public void setProtocol(String protocol) {
            this.protocol = protocol;
        }

        public KademliaMode getMode() {
            return mode;
        }

        public void setMode(KademliaMode mode) {
            this.mode = mode;
        }

        public Duration getQueryTimeout() {
            return queryTimeout;
        }

        public void setQueryTimeout(Duration queryTimeout) {
            this.queryTimeout = queryTimeout;
        }

        public int getReplicationFactor() {
            return replicationFactor;
        }

        public void setReplicationFactor(int replicationFactor) {
            this.replicationFactor = replicationFactor;
        }

        public int getParallelism() {
            return parallelism;
        }

        public void setParallelism(int parallelism) {
            this.parallelism = parallelism;
        }

        public Duration getBootstrapInterval() {
            return bootstrapInterval;
        }

        public void setBootstrapInterval(Duration bootstrapInterval) {
            this.bootstrapInterval = bootstrapInterval;
        }

        public Duration getRecordTtl() {
            return recordTtl;
        }

        public void setRecordTtl(Duration recordTtl) {
            this.recordTtl = recordTtl;
        }

        public @Nullable DataSize getMaxStoreSize() {
            return maxStoreSize;
        }

        public void setMaxStoreSize(@Nullable DataSize maxStoreSize) {
            this.maxStoreSize = maxStoreSize;
        }

        public int getMaxEntriesPerPeer() {
            return maxEntriesPerPeer;
        }

        public void setMaxEntriesPerPeer(int maxEntriesPerPeer) {
            this.maxEntriesPerPeer = maxEntriesPerPeer;
        }

        public DataSize getMaxSizePerPeer() {
            return maxSizePerPeer;
        }

        public void setMaxSizePerPeer(DataSize maxSizePerPeer) {
            this.maxSizePerPeer = maxSizePerPeer;
        }
    }

    /** Kademlia's two modes. */
    public enum KademliaMode {
        SERVER,
        CLIENT
    }

    public static class Bootstrap {

        /** Peers to join the network through: multiaddrs ending in /p2p/&lt;peer id&gt;. */
        private List<String> peers = new ArrayList<>();

        /** Whether to dial the bootstrap peers as soon as the node starts. */
        private boolean dialOnStart = true;

        public List<String> getPeers() {
            return peers;
        }

        public void setPeers(List<String> peers) {
            this.peers = peers;
        }

        public boolean isDialOnStart() {
            return dialOnStart;
        }

        public void setDialOnStart(boolean dialOnStart) {
            this.dialOnStart = dialOnStart;
        }
    }

    public Connections getConnections() {
        return connections;
    }

    public Limits getLimits() {
        return limits;
    }

    /**
     * What peers may make the node hold (the engine's resource manager). Every limit left unset
     * is scaled from the JVM's heap and direct memory; docs/security.md gives the formulas.
     */
    public static class Limits {

        /** Established connections peers dialled, for the whole node. Default: scaled from memory, 64 to 1024. */
        private @Nullable Integer maxInboundConnections;

        /** Established connections we dialled, for the whole node. Default: as inbound. */
        private @Nullable Integer maxOutboundConnections;

        /** Inbound connections still authenticating, for the whole node. */
        private int maxPendingUpgrades = 128;

        /** Inbound connections still authenticating from one IP address. */
        private int maxPendingUpgradesPerIp = 8;

        /** How long an inbound TCP connection may stay silent before its first byte. */
        private Duration firstBytesTimeout = Duration.ofSeconds(3);

        /** Established inbound connections from one IPv4 address or IPv6 /64. */
        private int maxConnectionsPerIp = 8;

        /** Established inbound connections from one IPv4 /24 or IPv6 /48. */
        private int maxConnectionsPerSubnet = 32;

        /** New inbound connections one IP address may open per second, sustained. */
        private double connectionsPerSecondPerIp = 5;

        /** New inbound connections one IP address may open at once. */
        private int connectionBurstPerIp = 16;

        /** Whether the per-IP limits also apply to loopback addresses (off, so that nodes on one machine reach each other). */
        private boolean limitLoopback;

        /** Open streams, for the whole node. Default: 16 per allowed connection. */
        private @Nullable Integer maxStreams;

        /** Open streams with one peer, over all its connections. */
        private int maxStreamsPerPeer = 512;

        /** Open streams of one protocol with one peer. */
        private int maxStreamsPerProtocolPerPeer = 64;

        /** Bytes peers may make the node buffer in all. Default: a quarter of the smaller of heap and direct memory. */
        private @Nullable DataSize maxMemory;

        /** Bytes one peer may make us buffer. Default: an eighth of max-memory, at most 64MB. */
        private @Nullable DataSize maxMemoryPerPeer;

        /** Bytes one connection may make us buffer. Default: half of max-memory-per-peer. */
        private @Nullable DataSize maxMemoryPerConnection;

        /** Bytes one stream may make us buffer, such as an unfinished message. Default: 2MB. */
        private @Nullable DataSize maxMemoryPerStream;

        /** A stream with no traffic either way for this long is reset; 0 never resets idle streams. */
        private Duration streamIdleTimeout = Duration.ofSeconds(60);

        /** A length-prefixed message (identify, Kademlia) still partly received after this long is abandoned and its stream reset. */
        private Duration messageTimeout = Duration.ofSeconds(10);

        public Duration getStreamIdleTimeout() {
            return streamIdleTimeout;
        }

        public void setStreamIdleTimeout(Duration streamIdleTimeout) {
            this.streamIdleTimeout = streamIdleTimeout;
        }

        public Duration getMessageTimeout() {
            return messageTimeout;
        }

        public void setMessageTimeout(Duration messageTimeout) {
            this.messageTimeout = messageTimeout;
        }

        /** Peer ids exempt from the node-wide and per-IP limits. Bootstrap and protected peers are always exempt. */
        private List<String> allowlist = new ArrayList<>();

        public @Nullable Integer getMaxInboundConnections() {
            return maxInboundConnections;
        }

        public void setMaxInboundConnections(@Nullable Integer maxInboundConnections) {
            this.maxInboundConnections = maxInboundConnections;
        }

        public @Nullable Integer getMaxOutboundConnections() {
            return maxOutboundConnections;
        }

        public void setMaxOutboundConnections(@Nullable Integer maxOutboundConnections) {
            this.maxOutboundConnections = maxOutboundConnections;
        }

        public int getMaxPendingUpgrades() {
            return maxPendingUpgrades;
        }

        public void setMaxPendingUpgrades(int maxPendingUpgrades) {
            this.maxPendingUpgrades = maxPendingUpgrades;
        }

        public int getMaxPendingUpgradesPerIp() {
            return maxPendingUpgradesPerIp;
        }

        public void setMaxPendingUpgradesPerIp(int maxPendingUpgradesPerIp) {
            this.maxPendingUpgradesPerIp = maxPendingUpgradesPerIp;
        }

        public Duration getFirstBytesTimeout() {
            return firstBytesTimeout;
        }

        public void setFirstBytesTimeout(Duration firstBytesTimeout) {
            this.firstBytesTimeout = firstBytesTimeout;
        }

        public int getMaxConnectionsPerIp() {
            return maxConnectionsPerIp;
        }

        public void setMaxConnectionsPerIp(int maxConnectionsPerIp) {
            this.maxConnectionsPerIp = maxConnectionsPerIp;
        }

        public int getMaxConnectionsPerSubnet() {
            return maxConnectionsPerSubnet;
        }

        public void setMaxConnectionsPerSubnet(int maxConnectionsPerSubnet) {
            this.maxConnectionsPerSubnet = maxConnectionsPerSubnet;
        }

        public double getConnectionsPerSecondPerIp() {
            return connectionsPerSecondPerIp;
        }

        public void setConnectionsPerSecondPerIp(double connectionsPerSecondPerIp) {
            this.connectionsPerSecondPerIp = connectionsPerSecondPerIp;
        }

        public int getConnectionBurstPerIp() {
            return connectionBurstPerIp;
        }

        public void setConnectionBurstPerIp(int connectionBurstPerIp) {
            this.connectionBurstPerIp = connectionBurstPerIp;
        }

        public boolean isLimitLoopback() {
            return limitLoopback;
        }

        public void setLimitLoopback(boolean limitLoopback) {
            this.limitLoopback = limitLoopback;
        }

        public @Nullable Integer getMaxStreams() {
            return maxStreams;
        }

        public void setMaxStreams(@Nullable Integer maxStreams) {
            this.maxStreams = maxStreams;
        }

        public int getMaxStreamsPerPeer() {
            return maxStreamsPerPeer;
        }

        public void setMaxStreamsPerPeer(int maxStreamsPerPeer) {
            this.maxStreamsPerPeer = maxStreamsPerPeer;
        }

        public int getMaxStreamsPerProtocolPerPeer() {
            return maxStreamsPerProtocolPerPeer;
        }

        public void setMaxStreamsPerProtocolPerPeer(int maxStreamsPerProtocolPerPeer) {
            this.maxStreamsPerProtocolPerPeer = maxStreamsPerProtocolPerPeer;
        }

        public @Nullable DataSize getMaxMemory() {
            return maxMemory;
        }

        public void setMaxMemory(@Nullable DataSize maxMemory) {
            this.maxMemory = maxMemory;
        }

        public @Nullable DataSize getMaxMemoryPerPeer() {
            return maxMemoryPerPeer;
        }

        public void setMaxMemoryPerPeer(@Nullable DataSize maxMemoryPerPeer) {
            this.maxMemoryPerPeer = maxMemoryPerPeer;
        }

        public @Nullable DataSize getMaxMemoryPerConnection() {
            return maxMemoryPerConnection;
        }

        public void setMaxMemoryPerConnection(@Nullable DataSize maxMemoryPerConnection) {
            this.maxMemoryPerConnection = maxMemoryPerConnection;
        }

        public @Nullable DataSize getMaxMemoryPerStream() {
            return maxMemoryPerStream;
        }

        public void setMaxMemoryPerStream(@Nullable DataSize maxMemoryPerStream) {
            this.maxMemoryPerStream = maxMemoryPerStream;
        }

        public List<String> getAllowlist() {
            return allowlist;
        }

        public void setAllowlist(List<String> allowlist) {
            this.allowlist = allowlist;
        }
    }

    public static class Connections {

        /** Connections to one peer beyond this many push out its oldest one (a peer that restarted leaves a stale one). */
        private int maxPerPeer = 4;

        /**
         * When a peer has several addresses, how long each dial attempt runs before the next
         * address is tried alongside it; QUIC addresses go first.
         */
        private Duration dialStagger = Duration.ofMillis(250);

        public int getMaxPerPeer() {
            return maxPerPeer;
        }

        public void setMaxPerPeer(int maxPerPeer) {
            this.maxPerPeer = maxPerPeer;
        }

        public Duration getDialStagger() {
            return dialStagger;
        }

        public void setDialStagger(Duration dialStagger) {
            this.dialStagger = dialStagger;
        }
    }

    public static class Reconnect {

        /** Wait before the second attempt to reach the bootstrap peers again. */
        private Duration initialBackoff = Duration.ofMillis(500);

        /** Factor by which each wait grows. */
        private double multiplier = 2.0;

        /** Longest wait between two attempts. */
        private Duration maxBackoff = Duration.ofSeconds(30);

        /** Random spread of each wait, as a fraction of it (0.2 = ±20%), so that many nodes do not redial in step. */
        private double jitter = 0.2;

        /** Attempts per outage before giving up; 0 never gives up. */
        private int maxAttempts = 0;

        /**
         * Below this many connected peers the node dials the peers it knows (peer store, Kademlia
         * routing table) and looks for more with Kademlia random walks.
         */
        private int targetPeers = 8;

        /** Peer ids kept connected like the bootstrap peers, dialled at the addresses the node learnt for them. */
        private List<String> protectedPeers = new ArrayList<>();

        /** How often a node below libp2p.reconnect.target-peers looks for more peers. */
        private Duration discoveryInterval = Duration.ofSeconds(5);

        public int getTargetPeers() {
            return targetPeers;
        }

        public void setTargetPeers(int targetPeers) {
            this.targetPeers = targetPeers;
        }

        public List<String> getProtectedPeers() {
            return protectedPeers;
        }

        public void setProtectedPeers(List<String> protectedPeers) {
            this.protectedPeers = protectedPeers;
        }

        public Duration getDiscoveryInterval() {
            return discoveryInterval;
        }

        public void setDiscoveryInterval(Duration discoveryInterval) {
            this.discoveryInterval = discoveryInterval;
        }

        public Duration getInitialBackoff() {
            return initialBackoff;
        }

        public void setInitialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
        }

        public double getMultiplier() {
            return multiplier;
        }

        public void setMultiplier(double multiplier) {
            this.multiplier = multiplier;
        }

        public Duration getMaxBackoff() {
            return maxBackoff;
        }

        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
        }

        public double getJitter() {
            return jitter;
        }

        public void setJitter(double jitter) {
            this.jitter = jitter;
        }

        public int getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }
    }

    public static class PeerStore {

        /**
         * Whether to keep the peer store in a file, so that a restarted node remembers the peers it
         * met. With false, or with an ephemeral identity, the store lives in memory only.
         */
        private boolean enabled = true;

        /** The peer store file; by default peers.store next to libp2p.identity.key-file. */
        private @Nullable Path file;

        /** How many peers to remember at most; the least recently seen are forgotten first. About 7.5 KiB per peer at worst. */
        private int maxPeers = 1000;

        /** Estimated heap the remembered peers may take at most; the least recently seen are forgotten first. */
        private DataSize maxSize = DataSize.ofMegabytes(8);

        public DataSize getMaxSize() {
            return maxSize;
        }

        public void setMaxSize(DataSize maxSize) {
            this.maxSize = maxSize;
        }

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public @Nullable Path getFile() {
            return file;
        }

        public void setFile(@Nullable Path file) {
            this.file = file;
        }

        public int getMaxPeers() {
            return maxPeers;
        }

        public void setMaxPeers(int maxPeers) {
            this.maxPeers = maxPeers;
        }
    }

    /** The health status of a node with fewer than {@code libp2p.health.min-peers} peers. */
    public enum InsufficientStatus {
        /** {@code DOWN}: fails the health group (and a readiness probe that includes it). */
        DOWN,
        /** {@code OUT_OF_SERVICE}: taken out of rotation, not failed. */
        OUT_OF_SERVICE
    }

    /** The {@code RequestClient} bean that sends request-response requests to peers. */
    public static class Client {

        /** Tries of a request whose stream cannot be opened (no connection, or the protocol not spoken yet); nothing else is retried. */
        private int maxAttempts = 3;

        /** The wait between those tries. */
        private Duration retryDelay = Duration.ofMillis(200);

        public int getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public Duration getRetryDelay() {
            return retryDelay;
        }

        public void setRetryDelay(Duration retryDelay) {
            this.retryDelay = retryDelay;
        }
    }

    public static class Health {

        /**
         * The node is healthy with at least this many connected peers. By default 1, or 0 for a
         * node with no bootstrap and no protected peers: the first node of a network is healthy alone.
         */
        private @Nullable Integer minPeers;

        /** The health status while it has fewer peers. */
        private InsufficientStatus insufficientStatus = InsufficientStatus.DOWN;

        public @Nullable Integer getMinPeers() {
            return minPeers;
        }

        public void setMinPeers(@Nullable Integer minPeers) {
            this.minPeers = minPeers;
        }

        public InsufficientStatus getInsufficientStatus() {
            return insufficientStatus;
        }

        public void setInsufficientStatus(InsufficientStatus insufficientStatus) {
            this.insufficientStatus = insufficientStatus;
        }
    }
}
