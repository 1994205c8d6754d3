package io.github.p2pboot.kademlia;

import java.time.Duration;
import java.util.Objects;

/**
 * Kademlia's settings.
 *
 * @param protocolId the DHT protocol id; private networks use their own
 * @param mode server or client
 * @param replicationFactor k: bucket size, lookup result size, and how many peers store a record
 * @param parallelism alpha: requests a lookup keeps in flight
 * @param queryTimeout how long a lookup may take before it returns what it has, marked timed out
 * @param bootstrapInterval how often the routing table is refreshed
 * @param recordTtl how long a stored record or provider lives
 * @param maxRecords records stored at most, and provider keys stored at most; further PUTs are refused
 * @param maxValueSize the largest record value accepted, in bytes
 * @param quorum valid records a GET waits for (1: the first valid one)
 * @param maxStoreBytes the heap that stored records and provider entries may take in all (keys,
 *     values and an estimate of the bookkeeping around them); when it is reached, further records
 *     and provider entries are refused, nothing stored is evicted
 * @param maxEntriesPerPeer records and provider entries one remote peer may make us store at once
 *     (a record counts for the peer that last put it); beyond it that peer is refused, others are not
 * @param maxBytesPerPeer bytes (as for {@code maxStoreBytes}) one remote peer may make us store at once
 */
public record KademliaConfig(String protocolId, KademliaMode mode, int replicationFactor, int parallelism,
        Duration queryTimeout, Duration bootstrapInterval, Duration recordTtl, int maxRecords, int maxValueSize, int quorum,
        long maxStoreBytes, int maxEntriesPerPeer, long maxBytesPerPeer) {

    /** The ceiling of {@link #defaultMaxStoreBytes()}. */
    public static final long MAX_DEFAULT_STORE_BYTES = 64L * 1024 * 1024;

    public static final KademliaConfig DEFAULTS = new KademliaConfig("/ipfs/kad/1.0.0", KademliaMode.SERVER, 20, 3,
            Duration.ofSeconds(60), Duration.ofMinutes(5), Duration.ofHours(36), 10_000, 64 * 1024, 1,
            defaultMaxStoreBytes(), 1024, 1024 * 1024);

    /**
     * The default store budget: a 32nd of the JVM's maximum heap, at most
     * {@value #MAX_DEFAULT_STORE_BYTES} bytes (16 MiB with {@code -Xmx512m}), at least 1 MiB.
     */
    public static long defaultMaxStoreBytes() {
        long share = Runtime.getRuntime().maxMemory() / 32;
        return Math.max(1024 * 1024, Math.min(share, MAX_DEFAULT_STORE_BYTES));
    }

    /**
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public KademliaConfig {
        Objects.requireNonNull(protocolId, "protocolId");
        Objects.requireNonNull(mode, "mode");
        if (!protocolId.startsWith("/")) {
            throw new IllegalArgumentException("protocolId must start with '/', got '" + protocolId + "'");
        }
        atLeast("replicationFactor", replicationFactor, 1);
        atLeast("parallelism", parallelism, 1);
        atLeast("maxRecords", maxRecords, 1);
        atLeast("maxValueSize", maxValueSize, 1);
        atLeast("quorum", quorum, 1);
        atLeast("maxEntriesPerPeer", maxEntriesPerPeer, 1);
        if (maxStoreBytes < 1 || maxBytesPerPeer < 1) {
            throw new IllegalArgumentException("maxStoreBytes and maxBytesPerPeer must be at least 1, got "
                    + maxStoreBytes + " and " + maxBytesPerPeer);
        }
        positive("queryTimeout", queryTimeout);
        positive("bootstrapInterval", bootstrapInterval);
        positive("recordTtl", recordTtl);
    }

    private static void atLeast(String name, int value, int minimum) {
        if (value < minimum) {
            throw new IllegalArgumentException(name + " must be at least " + minimum + ", got " + value);
        }
    }

    private static void positive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    public static Builder builder() {
        return new Builder(DEFAULTS);
    }

    /** Builds a {@link KademliaConfig} from the defaults. */
    public static final class Builder {
        private String protocolId;
        private KademliaMode mode;
        private int replicationFactor;
        private int parallelism;
        private Duration queryTimeout;
        private Duration bootstrapInterval;
        private Duration recordTtl;
        private int maxRecords;
        private int maxValueSize;
        private int quorum;
        private long maxStoreBytes;
        private int maxEntriesPerPeer;
        private long maxBytesPerPeer;

        private Builder(KademliaConfig c) {
            protocolId = c.protocolId;
            mode = c.mode;
            replicationFactor = c.replicationFactor;
            parallelism = c.parallelism;
            queryTimeout = c.queryTimeout;
            bootstrapInterval = c.bootstrapInterval;
            recordTtl = c.recordTtl;
            maxRecords = c.maxRecords;
            maxValueSize = c.maxValueSize;
            quorum = c.quorum;
            maxStoreBytes = c.maxStoreBytes;
            maxEntriesPerPeer = c.maxEntriesPerPeer;
            maxBytesPerPeer = c.maxBytesPerPeer;
        }

        public Builder protocolId(String protocolId) {
            this.protocolId = protocolId;
            return this;
        }

        public Builder mode(KademliaMode mode) {
            this.mode = mode;
            return this;
        }

        public Builder replicationFactor(int replicationFactor) {
            this.replicationFactor = replicationFactor;
            return this;
        }

        public Builder parallelism(int parallelism) {
            this.parallelism = parallelism;
            return this;
        }

        public Builder queryTimeout(Duration queryTimeout) {
            this.queryTimeout = queryTimeout;
            return this;
        }

        public Builder bootstrapInterval(Duration bootstrapInterval) {
            this.bootstrapInterval = bootstrapInterval;
            return this;
        }

        public Builder recordTtl(Duration recordTtl) {
            this.recordTtl = recordTtl;
            return this;
        }

        public Builder maxRecords(int maxRecords) {
            this.maxRecords = maxRecords;
            return this;
        }

        public Builder maxValueSize(int maxValueSize) {
            this.maxValueSize = maxValueSize;
            return this;
        }

        public Builder quorum(int quorum) {
            this.quorum = quorum;
            return this;
        }

        public Builder maxStoreBytes(long maxStoreBytes) {
            this.maxStoreBytes = maxStoreBytes;
            return this;
        }

        public Builder maxEntriesPerPeer(int maxEntriesPerPeer) {
            this.maxEntriesPerPeer = maxEntriesPerPeer;
            return this;
        }

        public Builder maxBytesPerPeer(long maxBytesPerPeer) {
            this.maxBytesPerPeer = maxBytesPerPeer;
            return this;
        }

        public KademliaConfig build() {
            return new KademliaConfig(protocolId, mode, replicationFactor, parallelism, queryTimeout, bootstrapInterval,
                    recordTtl, maxRecords, maxValueSize, quorum, maxStoreBytes, maxEntriesPerPeer, maxBytesPerPeer);
        }
    }
}
