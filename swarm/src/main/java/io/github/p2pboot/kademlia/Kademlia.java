package io.github.p2pboot.kademlia;

import com.google.protobuf.ByteString;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.kademlia.pb.DhtProto.Message;
import io.github.p2pboot.kademlia.pb.DhtProto.Record;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.peerstore.AddressSource;
import io.github.p2pboot.swarm.PeerInfo;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmListener;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kademlia DHT ({@code kad-dht/README.md}) as a behaviour of a {@link Swarm}: a routing table
 * of peers that serve the DHT, iterative lookups, records and providers, and bootstrap. Wire
 * compatible with go-, rust- and js-libp2p.
 *
 * <pre>{@code
 * Kademlia dht = new Kademlia(swarm, KademliaConfig.builder().replicationFactor(4).build());
 * dht.start();
 * dht.addPeer(bootstrapPeer, List.of(bootstrapAddress));
 * dht.bootstrap().join();
 * }</pre>
 */
public final class Kademlia implements AutoCloseable {

    /** The longest record key stored or looked up, in bytes; longer keys are refused. */
    public static final int MAX_RECORD_KEY_SIZE = 256;
    /**
     * The longest provider key, in bytes. Provider keys are multihashes (of a CID): 34 bytes for
     * SHA-256, 66 for SHA-512; longer ones are refused.
     */
    public static final int MAX_PROVIDER_KEY_SIZE = 128;

    private static final Logger log = LoggerFactory.getLogger(Kademlia.class);
    /** One request may take at most this long (or a third of the query timeout), so that a silent peer cannot stall a lookup. */
    private static final Duration MAX_RPC_TIMEOUT = Duration.ofSeconds(10);
    private static final int REFRESH_MAX_PREFIX = 15;
    /** Expired records and provider entries are dropped this often (and sooner when the store is full). */
    private static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);

    private final Swarm swarm;
    private final KademliaConfig config;
    private final RoutingTable table;
    private final RecordStore store;
    private final Map<String, RecordValidator> validators = new ConcurrentHashMap<>();
    private final List<QueryListener> queryListeners = new CopyOnWriteArrayList<>();
    private final List<QueryObserver> queryObservers = new CopyOnWriteArrayList<>();
    private final AtomicBoolean bootstrapping = new AtomicBoolean();
    private final SecureRandom random = new SecureRandom();
    private final Events events = new Events();
    private final Duration rpcTimeout;
    private final AtomicLong refused = new AtomicLong();
    private final KadStreams.ServerLoad serverLoad = new KadStreams.ServerLoad();
    private volatile ScheduledExecutorService scheduler;
    private volatile boolean running;

    public Kademlia(Swarm swarm, KademliaConfig config) {
        this.swarm = swarm;
        this.config = config;
        this.table = new RoutingTable(swarm.localPeerId(), config.replicationFactor());
        this.store = new RecordStore(swarm.localPeerId(), RecordStore.Limits.of(config), config.recordTtl(), Clock.systemUTC());
        Duration third = config.queryTimeout().dividedBy(3);
        this.rpcTimeout = third.compareTo(MAX_RPC_TIMEOUT) < 0 ? third : MAX_RPC_TIMEOUT;
    }

    public KademliaConfig config() {
        return config;
    }

    /** Serves the DHT (server mode), follows the swarm's peers, and schedules periodic bootstrap. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        AtomicInteger threads = new AtomicInteger();
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "kademlia-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        if (config.mode() == KademliaMode.SERVER) {
            swarm.registerProtocol(KadStreams.server(config.protocolId(), new Server(), serverLoad,
                    KadStreams.maxRequestSize(config.maxValueSize())));
        }
        swarm.addListener(events);
        long interval = config.bootstrapInterval().toMillis();
        scheduler.scheduleWithFixedDelay(() -> {
            if (table.size() > 0 || !dhtPeersConnected().isEmpty()) {
                bootstrap();
            }
        }, interval, interval, TimeUnit.MILLISECONDS);
        long sweep = SWEEP_INTERVAL.toMillis();
        scheduler.scheduleWithFixedDelay(store::removeExpired, sweep, sweep, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (!running) {
            return;
        }
        running = false;
        swarm.removeListener(events);
        if (config.mode() == KademliaMode.SERVER) {
            swarm.unregisterProtocol(config.protocolId());
        }
        scheduler.shutdownNow();
    }

    /**
     * Adds a peer known to serve the DHT, such as a bootstrap peer: its addresses go to the peer
     * store and it enters the routing table.
     */
    public void addPeer(PeerId peer, Collection<Multiaddr> addresses) {
        swarm.peerStore().addAddresses(peer, addresses);
        admit(peer);
    }

    /**
     * Accepts records of keys {@code /namespace/...}, checked by {@code validator}. Records of a
     * namespace without a validator (also {@code /pk/} and {@code /ipns/} unless one is registered,
     * and keys with no namespace) are neither stored, served, put nor returned by a get. A namespace
     * whose records need no check registers {@code (key, value) -> { }}.
     *
     * @param namespace the {@code ns} of keys {@code /ns/...}: not empty, no {@code '/'}
     * @throws IllegalArgumentException if {@code namespace} is empty or contains {@code '/'}
     */
    public void registerValidator(String namespace, RecordValidator validator) {
        if (namespace.isEmpty() || namespace.contains("/")) {
            throw new IllegalArgumentException("namespace must be non-empty and without '/', got '" + namespace + "'");
        }
        validators.put(namespace, Objects.requireNonNull(validator, "validator"));
    }

    /** What this node stores for other peers and itself, and what it refused. */
    public StoreUsage storeUsage() {
        return new StoreUsage(store.recordCount(), store.providerEntryCount(), store.bytes(), config.maxStoreBytes(),
                store.peerCount(), refused.get());
    }

    RecordStore store() {
        return store;
    }

    KadStreams.ServerLoad serverLoad() {
        return serverLoad;
    }

    /** Told when each lookup starts and ends, e.g. to make an Observation of it. */
    public void addQueryObserver(QueryObserver observer) {
        queryObservers.add(observer);
    }

    public void addQueryListener(QueryListener listener) {
        queryListeners.add(listener);
    }

    public int routingTableSize() {
        return table.size();
    }

    public List<PeerId> routingTablePeers() {
        return table.peers();
    }

    /**
     * Fills the routing table: a lookup of this node's own id, then one of a random key in each
     * non-empty bucket. Concurrent calls share nothing but do not overlap: a call while one runs
     * completes at once with an empty result.
     */
    public CompletableFuture<QueryResult<List<PeerId>>> bootstrap() {
        if (!bootstrapping.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(new QueryResult<>(List.of(), List.of(), false, 0, Duration.ZERO));
        }
        Query query = startQuery("bootstrap");
        return findClosestPeers(swarm.localPeerId().toBytes()).thenCompose(self -> {
            List<CompletableFuture<QueryResult<List<PeerId>>>> refreshes = new ArrayList<>();
            for (int bucket : table.nonEmptyBuckets()) {
                if (bucket <= REFRESH_MAX_PREFIX) {
                    refreshes.add(findClosestPeers(randomKeyInBucket(bucket)));
                }
            }
            return CompletableFuture.allOf(refreshes.toArray(CompletableFuture[]::new)).handle((v, e) -> self);
        }).whenComplete((result, error) -> {
            bootstrapping.set(false);
            report("bootstrap", result == null ? null : result.timedOut(), error, query);
        });
    }

    public CompletableFuture<QueryResult<List<PeerId>>> findClosestPeers(byte[] key) {
        Message request = Message.newBuilder().setType(Message.MessageType.FIND_NODE).setKey(ByteString.copyFrom(key)).build();
        Query query = startQuery("find_node");
        return lookup(key, request, (peer, answer) -> false)
                .thenApply(o -> new QueryResult<>(o.closest(), o.closest(), o.timedOut(), o.rounds(), o.duration()))
                .whenComplete((r, e) -> report("find_node", r == null ? null : r.timedOut(), e, query));
    }

    /** Finds the addresses of {@code peer}: at once if connected, else by a lookup of its id. */
    public CompletableFuture<QueryResult<List<Multiaddr>>> findPeer(PeerId peer) {
        if (!swarm.connections(peer).isEmpty()) {
            return CompletableFuture.completedFuture(new QueryResult<>(swarm.peerStore().dialAddresses(peer), List.of(peer), false, 0, Duration.ZERO));
        }
        byte[] key = peer.toBytes();
        Message request = Message.newBuilder().setType(Message.MessageType.FIND_NODE).setKey(ByteString.copyFrom(key)).build();
        Query query = startQuery("find_node");
        return lookup(key, request, (from, answer) -> answer.getCloserPeersList().stream().anyMatch(p -> p.getId().equals(ByteString.copyFrom(key))))
                .thenApply(o -> new QueryResult<>(swarm.peerStore().dialAddresses(peer), o.closest(), o.timedOut(), o.rounds(), o.duration()))
                .whenComplete((r, e) -> report("find_node", r == null ? null : r.timedOut(), e, query));
    }

    /**
     * Stores a record on the k peers closest to its key (and here, in server mode).
     *
     * @return how many peers stored it; fails with an {@link IllegalArgumentException} if the key is
     *     longer than {@value #MAX_RECORD_KEY_SIZE} bytes, its namespace has no validator, the
     *     validator refuses the record, or this node's store is full
     */
    public CompletableFuture<QueryResult<Integer>> putValue(byte[] key, byte[] value) {
        try {
            validate(key, value);
            if (config.mode() == KademliaMode.SERVER) {
                store.put(swarm.localPeerId(), key, value);
            }
        } catch (InvalidRecordException | RecordStore.Refused e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("record refused: " + e.getMessage(), e));
        }
        Message put = Message.newBuilder().setType(Message.MessageType.PUT_VALUE).setKey(ByteString.copyFrom(key))
                .setRecord(Record.newBuilder().setKey(ByteString.copyFrom(key)).setValue(ByteString.copyFrom(value))).build();
        Query query = startQuery("put_value");
        return findClosestPeers(key).thenCompose(closest -> {
            List<CompletableFuture<Boolean>> puts = closest.value().stream()
                    .map(peer -> rpc(peer, put, true).handle((answer, e) -> e == null)).toList();
            return CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).thenApply(v -> {
                int stored = (int) puts.stream().filter(CompletableFuture::join).count();
                return new QueryResult<>(stored, closest.closestPeers(), closest.timedOut(), closest.rounds(),
                        Duration.ofNanos(System.nanoTime() - query.startNanos()));
            });
        }).whenComplete((r, e) -> report("put_value", r == null ? null : r.timedOut(), e, query));
    }

    /**
     * Finds a valid record for {@code key}: here first, then on the network, stopping at the quorum.
     * Fails with an {@link IllegalArgumentException} if the key is longer than
     * {@value #MAX_RECORD_KEY_SIZE} bytes or its namespace has no validator: such records could not
     * be checked.
     */
    public CompletableFuture<QueryResult<Optional<byte[]>>> getValue(byte[] key) {
        String unacceptable = unacceptableKey(key);
        if (unacceptable != null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(unacceptable));
        }
        Optional<RecordStore.Stored> local = store.get(key);
        if (local.isPresent() && config.quorum() == 1) {
            return CompletableFuture.completedFuture(new QueryResult<>(Optional.of(local.get().value()), List.of(), false, 0, Duration.ZERO));
        }
        List<byte[]> found = new CopyOnWriteArrayList<>();
        local.ifPresent(r -> found.add(r.value()));
        Message request = Message.newBuilder().setType(Message.MessageType.GET_VALUE).setKey(ByteString.copyFrom(key)).build();
        Query query = startQuery("get_value");
        return lookup(key, request, (peer, answer) -> {
            if (answer.hasRecord() && answer.getRecord().getKey().equals(ByteString.copyFrom(key))) {
                byte[] value = answer.getRecord().getValue().toByteArray();
                try {
                    validate(key, value);
                    found.add(value);
                } catch (InvalidRecordException e) {
                    log.debug("Invalid record for {} from {}: {}", printable(key), peer, e.getMessage());
                    misbehaved(peer, "sent an invalid record: " + e.getMessage());
                }
            }
            return found.size() >= config.quorum();
        }).thenApply(o -> new QueryResult<>(select(key, found), o.closest(), o.timedOut(), o.rounds(), o.duration()))
                .whenComplete((r, e) -> report("get_value", r == null ? null : r.timedOut(), e, query));
    }

    /**
     * Announces this node as a provider of {@code key} to the k peers closest to it.
     *
     * @return how many peers were told; fails with an {@link IllegalArgumentException} if the key is
     *     longer than {@value #MAX_PROVIDER_KEY_SIZE} bytes
     */
    public CompletableFuture<QueryResult<Integer>> provide(byte[] key) {
        if (key.length > MAX_PROVIDER_KEY_SIZE) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(providerKeyTooLong(key)));
        }
        try {
            store.addProvider(key, swarm.localPeerId());
        } catch (RecordStore.Refused e) {
            // The peers closest to the key are told all the same; they are where others look.
            log.debug("Not keeping our own provider entry for {}: {}", printable(key), e.getMessage());
        }
        Message add = Message.newBuilder().setType(Message.MessageType.ADD_PROVIDER).setKey(ByteString.copyFrom(key))
                .addProviderPeers(peerMessage(swarm.localPeerId())).build();
        Query query = startQuery("add_provider");
        return findClosestPeers(key).thenCompose(closest -> {
            List<CompletableFuture<Boolean>> sent = closest.value().stream()
                    .map(peer -> rpc(peer, add, false).handle((answer, e) -> e == null)).toList();
            return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).thenApply(v ->
                    new QueryResult<>((int) sent.stream().filter(CompletableFuture::join).count(), closest.closestPeers(),
                            closest.timedOut(), closest.rounds(), Duration.ofNanos(System.nanoTime() - query.startNanos())));
        }).whenComplete((r, e) -> report("add_provider", r == null ? null : r.timedOut(), e, query));
    }

    /** Finds peers that provide {@code key}, stopping once k are known. */
    public CompletableFuture<QueryResult<Set<PeerId>>> findProviders(byte[] key) {
        Set<PeerId> providers = ConcurrentHashMap.newKeySet();
        providers.addAll(store.providers(key));
        Message request = Message.newBuilder().setType(Message.MessageType.GET_PROVIDERS).setKey(ByteString.copyFrom(key)).build();
        Query query = startQuery("get_providers");
        return lookup(key, request, (peer, answer) -> {
            for (Message.Peer provider : answer.getProviderPeersList()) {
                PeerId id = learn(provider);
                if (id != null) {
                    providers.add(id);
                }
            }
            return providers.size() >= config.replicationFactor();
        }).thenApply(o -> new QueryResult<>(Set.copyOf(providers), o.closest(), o.timedOut(), o.rounds(), o.duration()))
                .whenComplete((r, e) -> report("get_providers", r == null ? null : r.timedOut(), e, query));
    }

    private CompletableFuture<Lookup.Outcome> lookup(byte[] key, Message request, java.util.function.BiPredicate<PeerId, Message> onAnswer) {
        if (!running) {
            return CompletableFuture.failedFuture(new IllegalStateException("Kademlia is not running"));
        }
        List<PeerId> seeds = new ArrayList<>(table.closest(Key.of(key), config.replicationFactor()));
        if (seeds.isEmpty()) {
            // An empty table, e.g. right after an outage: start from connected DHT peers.
            seeds.addAll(dhtPeersConnected());
        }
        Lookup lookup = new Lookup(key, swarm.localPeerId(), seeds, config.replicationFactor(), config.parallelism(),
                peer -> rpc(peer, request, true), onAnswer, peer -> misbehaved(peer, "did not answer"), this::learn);
        return lookup.run(scheduler, config.queryTimeout());
    }

    private CompletableFuture<Message> rpc(PeerId peer, Message request, boolean expectResponse) {
        return KadStreams.request(swarm, config.protocolId(), peer, request, expectResponse, rpcTimeout).thenApply(answer -> {
            if (answer != null) {
                admit(peer);
            }
            return answer;
        });
    }

    /** Records a peer an answer told us of; null if its id is invalid. */
    private PeerId learn(Message.Peer peer) {
        PeerId id;
        try {
            id = PeerId.fromBytes(peer.getId().toByteArray());
        } catch (IllegalArgumentException e) {
            return null;
        }
        List<Multiaddr> addresses = new ArrayList<>();
        for (ByteString bytes : peer.getAddrsList()) {
            try {
                addresses.add(Multiaddr.fromBytes(bytes.toByteArray()));
            } catch (IllegalArgumentException e) {
                // Skip addresses we cannot read; the peer may be reachable at the others.
            }
        }
        if (!addresses.isEmpty()) {
            swarm.peerStore().addAddresses(id, AddressSource.THIRD_PARTY, addresses);
        }
        return id;
    }

    /** A peer that serves the DHT enters the routing table; a full bucket checks its oldest peer first. */
    private void admit(PeerId peer) {
        if (!running || peer.equals(swarm.localPeerId())) {
            return;
        }
        if (table.offer(peer) instanceof RoutingTable.BucketFull full) {
            swarm.dial(full.leastRecentlySeen())
                    .thenCompose(Ping::ping)
                    .orTimeout(rpcTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((rtt, error) -> {
                        if (error != null) {
                            table.replace(full.leastRecentlySeen(), peer);
                        } else {
                            table.offer(full.leastRecentlySeen());
                        }
                    });
        }
    }

    private void misbehaved(PeerId peer, String problem) {
        if (table.remove(peer)) {
            log.debug("Removed {} from the routing table: {}", peer, problem);
            if (table.size() == 0 && running) {
                // The table emptied: rebuild it from whichever DHT peers are still connected.
                scheduler.execute(this::bootstrap);
            }
        }
    }

    private List<PeerId> dhtPeersConnected() {
        return swarm.connectedPeers().stream().filter(p -> swarm.peerStore().protocols(p).contains(config.protocolId())).toList();
    }

    /**
     * Checks a record: its key (length, a namespace with a validator), its value's size, and the
     * namespace's validator.
     */
    private void validate(byte[] key, byte[] value) throws InvalidRecordException {
        String unacceptable = unacceptableKey(key);
        if (unacceptable != null) {
            throw new InvalidRecordException(unacceptable);
        }
        if (value.length > config.maxValueSize()) {
            throw new InvalidRecordException("value of " + value.length + " bytes exceeds the limit of " + config.maxValueSize());
        }
        validators.get(namespace(key)).validate(key, value);
    }

    /** Why records of {@code key} can be neither stored nor trusted, or null if they can. */
    private String unacceptableKey(byte[] key) {
        if (key.length > MAX_RECORD_KEY_SIZE) {
            return "key of " + key.length + " bytes exceeds the limit of " + MAX_RECORD_KEY_SIZE;
        }
        String namespace = namespace(key);
        if (!validators.containsKey(namespace)) {
            return namespace.isEmpty() ? "key has no namespace (/ns/...) with a registered validator"
                    : "namespace '" + namespace + "' has no registered validator";
        }
        return null;
    }

    private static String providerKeyTooLong(byte[] key) {
        return "provider key of " + key.length + " bytes exceeds the limit of " + MAX_PROVIDER_KEY_SIZE;
    }

    /** Counts a record or provider entry from {@code peer} that is not stored; DEBUG, since the peer decides how often. */
    private void refused(PeerId peer, String what, byte[] key, String reason) {
        refused.incrementAndGet();
        log.debug("Not storing {} for {} from {}: {}", what, printable(key), peer, reason);
    }

    private Optional<byte[]> select(byte[] key, List<byte[]> values) {
        if (values.isEmpty()) {
            return Optional.empty();
        }
        RecordValidator validator = validators.get(namespace(key));
        int index = validator == null ? 0 : validator.select(key, values);
        return Optional.of(values.get(Math.max(0, Math.min(index, values.size() - 1))));
    }

    /** The {@code ns} of a key {@code /ns/rest}, or "" for keys without one. */
    static String namespace(byte[] key) {
        String text = new String(key, StandardCharsets.UTF_8);
        if (!text.startsWith("/")) {
            return "";
        }
        int end = text.indexOf('/', 1);
        return end < 0 ? "" : text.substring(1, end);
    }

    private static String printable(byte[] key) {
        return new String(key, StandardCharsets.UTF_8).replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** A random key whose hash shares exactly {@code prefix} leading bits with ours. */
    private byte[] randomKeyInBucket(int prefix) {
        byte[] candidate = new byte[32];
        for (int attempt = 0; attempt < (1 << (prefix + 4)); attempt++) {
            random.nextBytes(candidate);
            if (table.bucketIndex(Key.of(candidate)) == prefix) {
                return candidate.clone();
            }
        }
        return candidate;
    }

    private Message.Peer peerMessage(PeerId peer) {
        Message.Peer.Builder builder = Message.Peer.newBuilder().setId(ByteString.copyFrom(peer.toBytes()));
        List<Multiaddr> addresses = peer.equals(swarm.localPeerId()) ? swarm.listenAddresses() : swarm.peerStore().dialAddresses(peer);
        addresses.forEach(a -> builder.addAddrs(ByteString.copyFrom(a.toBytes())));
        builder.setConnection(swarm.connections(peer).isEmpty() ? Message.ConnectionType.NOT_CONNECTED : Message.ConnectionType.CONNECTED);
        return builder.build();
    }

    /** A query under way: when it began, and what its observers made of its start. */
    private record Query(String type, long startNanos, List<QueryObserver.Scope> scopes) {
    }

    private Query startQuery(String type) {
        List<QueryObserver.Scope> scopes = new ArrayList<>(queryObservers.size());
        for (QueryObserver observer : queryObservers) {
            try {
                scopes.add(observer.queryStarted(type));
            } catch (RuntimeException e) {
                log.warn("Query observer {} failed", observer, e);
            }
        }
        return new Query(type, System.nanoTime(), scopes);
    }

    private void report(String type, Boolean timedOut, Throwable error, Query query) {
        String outcome = error != null ? "failure" : Boolean.TRUE.equals(timedOut) ? "timeout" : "success";
        Duration duration = Duration.ofNanos(System.nanoTime() - query.startNanos());
        for (QueryListener listener : queryListeners) {
            try {
                listener.queryCompleted(type, outcome, duration);
            } catch (RuntimeException e) {
                log.warn("Query listener {} failed", listener, e);
            }
        }
        for (QueryObserver.Scope scope : query.scopes()) {
            try {
                scope.queryEnded(outcome, error);
            } catch (RuntimeException e) {
                log.warn("Query observer scope {} failed", scope, e);
            }
        }
    }


    /** What answers other peers' requests in server mode; package-private for tests that feed it requests without a network. */
    KadStreams.RequestHandler requestHandler() {
        return new Server();
    }

    /** Answers other peers' requests (server mode). */
    private final class Server implements KadStreams.RequestHandler {
        @Override
        public Message handle(PeerId from, Message request) throws KadStreams.InvalidRequestException, KadStreams.RefusedRequestException {
            byte[] key = request.getKey().toByteArray();
            switch (request.getType()) {
                case FIND_NODE -> {
                    return closer(Message.newBuilder().setType(Message.MessageType.FIND_NODE), key, from).build();
                }
                case GET_VALUE -> {
                    Message.Builder response = closer(Message.newBuilder().setType(Message.MessageType.GET_VALUE).setKey(request.getKey()), key, from);
                    if (unacceptableKey(key) == null) {
                        store.get(key).ifPresent(r -> response.setRecord(Record.newBuilder().setKey(request.getKey())
                                .setValue(ByteString.copyFrom(r.value())).setTimeReceived(r.received().toString())));
                    }
                    return response.build();
                }
                case PUT_VALUE -> {
                    if (!request.hasRecord() || !request.getRecord().getKey().equals(request.getKey())) {
                        throw new KadStreams.InvalidRequestException("PUT_VALUE record key differs from the message key");
                    }
                    if (key.length > MAX_RECORD_KEY_SIZE) {
                        refused.incrementAndGet();
                        throw new KadStreams.InvalidRequestException("PUT_VALUE key of " + key.length + " bytes exceeds the limit of "
                                + MAX_RECORD_KEY_SIZE);
                    }
                    String unknown = unacceptableKey(key);
                    if (unknown != null) {
                        // Valid elsewhere perhaps (go-libp2p checks /pk/ and /ipns/), but not ours to vouch for.
                        refused(from, "a record", key, unknown);
                        throw new KadStreams.RefusedRequestException();
                    }
                    byte[] value = request.getRecord().getValue().toByteArray();
                    try {
                        validate(key, value);
                    } catch (InvalidRecordException e) {
                        refused.incrementAndGet();
                        throw new KadStreams.InvalidRequestException("record for " + printable(key) + " refused: " + e.getMessage());
                    }
                    try {
                        store.put(from, key, value);
                    } catch (RecordStore.Refused e) {
                        refused(from, "a record", key, e.getMessage());
                        throw new KadStreams.RefusedRequestException();
                    }
                    return request;
                }
                case GET_PROVIDERS -> {
                    Message.Builder response = closer(Message.newBuilder().setType(Message.MessageType.GET_PROVIDERS).setKey(request.getKey()), key, from);
                    store.providers(key).forEach(p -> response.addProviderPeers(peerMessage(p)));
                    return response.build();
                }
                case ADD_PROVIDER -> {
                    if (key.length > MAX_PROVIDER_KEY_SIZE) {
                        refused.incrementAndGet();
                        throw new KadStreams.InvalidRequestException("ADD_PROVIDER " + providerKeyTooLong(key));
                    }
                    ByteString fromId = ByteString.copyFrom(from.toBytes());
                    for (Message.Peer provider : request.getProviderPeersList()) {
                        // Only a peer's own announcement counts: nobody may enlist others.
                        if (provider.getId().equals(fromId)) {
                            try {
                                store.addProvider(key, from);
                                learn(provider);
                            } catch (RecordStore.Refused e) {
                                // ADD_PROVIDER has no answer: the entry is just not kept.
                                refused(from, "a provider entry", key, e.getMessage());
                            }
                            break;
                        }
                    }
                    return null;
                }
                case PING -> {
                    return Message.newBuilder().setType(Message.MessageType.PING).build();
                }
                default -> throw new KadStreams.InvalidRequestException("unknown message type " + request.getTypeValue());
            }
        }

        private Message.Builder closer(Message.Builder response, byte[] key, PeerId requester) {
            for (PeerId peer : table.closest(Key.of(key), config.replicationFactor() + 1)) {
                if (!peer.equals(requester) && response.getCloserPeersCount() < config.replicationFactor()) {
                    response.addCloserPeers(peerMessage(peer));
                }
            }
            return response;
        }

        @Override
        public void misbehaved(PeerId peer, String problem) {
            Kademlia.this.misbehaved(peer, problem);
        }
    }

    /** Admits peers whose identify shows they serve the DHT. */
    private final class Events implements SwarmListener {
        @Override
        public void peerIdentified(PeerId peer, PeerInfo info) {
            if (info.protocols().contains(config.protocolId())) {
                admit(peer);
            }
        }
    }
}
