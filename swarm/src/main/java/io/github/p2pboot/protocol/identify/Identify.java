package io.github.p2pboot.protocol.identify;

import com.google.protobuf.ByteString;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PublicKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.identify.pb.IdentifyProto;
import io.github.p2pboot.swarm.CloseCause;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.PeerInfo;
import io.github.p2pboot.swarm.ProtocolHandler;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.swarm.SwarmListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identify protocols ({@code identify/README.md}): on every new connection this node asks the
 * peer for its public key, listen addresses and protocols ({@value #PROTOCOL_ID}); it answers the
 * same question; and it pushes its own record to connected peers when its protocols change
 * ({@value #PUSH_PROTOCOL_ID}).
 *
 * <p>What a peer can make it hold is bounded. A record read is at most {@value #MAX_MESSAGE_SIZE}
 * bytes on the wire, decoded as it arrives into a {@link PeerInfo} of bounded size (see its
 * bounds); nothing keeps the message itself. Per connection: one push is read at a time (a newer
 * push replaces one still arriving, as each carries the whole record), at most
 * {@value #MAX_ANSWERS_IN_FLIGHT} answers are written at a time (more requests are refused), and
 * one push of ours is in flight (changes while it is under way are coalesced into one more push,
 * which carries the record as it is then). Every read and write has a deadline ({@link
 * #DEFAULT_TIMEOUT}, go-libp2p's), after which the stream is closed and its buffers freed. The
 * per-connection state goes when the connection closes.
 */
public final class Identify implements SwarmListener {

    public static final String PROTOCOL_ID = "/ipfs/id/1.0.0";
    public static final String PUSH_PROTOCOL_ID = "/ipfs/id/push/1.0.0";
    public static final String PROTOCOL_VERSION = "ipfs/0.1.0";
    /** Identify records are small; 64 KiB leaves room for many addresses and protocols. */
    static final int MAX_MESSAGE_SIZE = 64 * 1024;
    /** How long a peer has to send its record, or to read ours. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** Answers being written to one connection at a time; js-libp2p serves one, two spare a retry. */
    static final int MAX_ANSWERS_IN_FLIGHT = 2;

    private static final Logger log = LoggerFactory.getLogger(Identify.class);

    private final PublicKey localKey;
    private final Supplier<Set<String>> protocols;
    private final Supplier<List<Multiaddr>> listenAddresses;
    private final String agentVersion;
    private final Consumer<PeerInfo> onIdentified;
    private final Duration timeout;
    private final Map<Connection, PerConnection> connections = new ConcurrentHashMap<>();

    /**
     * @param onIdentified receives every verified record, from a request or a push
     */
    public Identify(PublicKey localKey, Supplier<Set<String>> protocols, Supplier<List<Multiaddr>> listenAddresses,
            String agentVersion, Consumer<PeerInfo> onIdentified) {
        this(localKey, protocols, listenAddresses, agentVersion, onIdentified, DEFAULT_TIMEOUT);
    }

    Identify(PublicKey localKey, Supplier<Set<String>> protocols, Supplier<List<Multiaddr>> listenAddresses,
            String agentVersion, Consumer<PeerInfo> onIdentified, Duration timeout) {
        this.localKey = localKey;
        this.protocols = protocols;
        this.listenAddresses = listenAddresses;
        this.agentVersion = agentVersion;
        this.onIdentified = onIdentified;
        this.timeout = timeout;
    }

    /** The handlers that answer identify requests and receive pushes. */
    public List<ProtocolHandler> handlers() {
        return List.of(new Handler(PROTOCOL_ID, this::respond), new Handler(PUSH_PROTOCOL_ID, this::receivePush));
    }

    @Override
    public void connectionOpened(Connection connection, int established) {
        request(connection).exceptionally(e -> {
            log.debug("Identify of {} failed: {}", connection.remotePeer(), e.toString());
            return null;
        });
    }

    @Override
    public void connectionClosed(Connection connection, CloseCause cause, int remaining) {
        connections.remove(connection);
    }

    /** How many connections identify holds state for: open ones it pushed to, answered or read a push from. */
    int trackedConnections() {
        return connections.size();
    }

    /** Asks the peer of {@code connection} to identify itself. */
    public CompletableFuture<PeerInfo> request(Connection connection) {
        return connection.newStream(PROTOCOL_ID)
                .thenCompose(stream -> IdentifyReader.read(stream, MAX_MESSAGE_SIZE, timeout))
                .thenApply(record -> {
                    PeerInfo info = toPeerInfo(connection, record);
                    onIdentified.accept(info);
                    return info;
                });
    }

    /**
     * Sends our current record to the peer of {@code connection}; if a push to it is under way,
     * one more follows it, however many times this is called meanwhile.
     */
    public void push(Connection connection) {
        PerConnection state = state(connection);
        if (state != null && state.startPush()) {
            sendPush(connection, state);
        }
    }

    private void sendPush(Connection connection, PerConnection state) {
        connection.newStream(PUSH_PROTOCOL_ID).whenComplete((stream, error) -> {
            if (error != null) {
                state.pushFailed();
                log.debug("Identify push to {} failed: {}", connection.remotePeer(), error.toString());
                return;
            }
            writeAndClose(stream).whenComplete((ignored, e) -> {
                if (state.pushDone()) {
                    sendPush(connection, state);
                }
            });
        });
    }

    private void respond(Stream stream) {
        PerConnection state = state(stream.connection());
        if (state == null || !state.startAnswer()) {
            log.debug("Identify request from {} refused: {} answers already under way on its connection",
                    stream.remotePeer(), MAX_ANSWERS_IN_FLIGHT);
            stream.close();
            return;
        }
        writeAndClose(stream).whenComplete((ignored, error) -> state.answerDone());
    }

    private void receivePush(Stream stream) {
        PerConnection state = state(stream.connection());
        if (state == null) {
            stream.close();
            return;
        }
        state.receivingPush(stream);
        IdentifyReader.read(stream, MAX_MESSAGE_SIZE, timeout).whenComplete((record, error) -> {
            if (!state.pushReceived(stream)) {
                log.debug("Identify push from {} replaced by a newer one before it ended", stream.remotePeer());
                return;
            }
            if (error != null) {
                log.debug("Identify push from {} refused: {}", stream.remotePeer(), error.toString());
                return;
            }
            try {
                onIdentified.accept(toPeerInfo(stream.connection(), record));
            } catch (IllegalArgumentException e) {
                log.debug("Identify push from {} refused: {}", stream.remotePeer(), e.getMessage());
            }
        });
    }

    private CompletableFuture<Void> writeAndClose(Stream stream) {
        IdentifyProto.Identify.Builder message = IdentifyProto.Identify.newBuilder()
                .setProtocolVersion(PROTOCOL_VERSION)
                .setAgentVersion(agentVersion)
                .setPublicKey(ByteString.copyFrom(localKey.marshal()))
                .setObservedAddr(ByteString.copyFrom(stream.connection().remoteAddress().toBytes()))
                .addAllProtocols(protocols.get());
        for (Multiaddr address : listenAddresses.get()) {
            message.addListenAddrs(ByteString.copyFrom(address.toBytes()));
        }
        return IdentifyReader.writeAndClose(stream, message.build(), timeout);
    }

    /** The state of an open connection; null once it has closed, so that none is kept for it. */
    private PerConnection state(Connection connection) {
        if (!connection.isOpen()) {
            return null;
        }
        PerConnection state = connections.computeIfAbsent(connection, c -> new PerConnection());
        if (state.watching.compareAndSet(false, true)) {
            // Outside computeIfAbsent: an already closed connection runs this at once.
            connection.closeFuture().whenComplete((cause, error) -> connections.remove(connection, state));
        }
        return state;
    }

    /**
     * Checks the record against the connection's authenticated peer and converts it. Addresses
     * that do not parse are skipped rather than failing the whole record.
     *
     * @throws IllegalArgumentException if the record carries another peer's public key, or one
     *     that cannot be decoded
     */
    static PeerInfo toPeerInfo(Connection connection, IdentifyRecord record) {
        PeerId peer = connection.remotePeer();
        if (record.publicKey != null) {
            PublicKey key = PublicKey.unmarshal(record.publicKey);
            PeerId claimed = PeerId.fromPublicKey(key);
            if (!claimed.equals(peer)) {
                throw new IllegalArgumentException("identify from " + peer + " carries the public key of " + claimed);
            }
        }
        if (record.dropped > 0) {
            log.debug("Identify record of {}: {} addresses or protocols over the bounds dropped", peer, record.dropped);
        }
        List<Multiaddr> addresses = new ArrayList<>(record.listenAddresses.size());
        for (byte[] bytes : record.listenAddresses) {
            parse(bytes, peer).ifPresent(addresses::add);
        }
        Optional<Multiaddr> observed = record.observedAddress == null ? Optional.empty() : parse(record.observedAddress, peer);
        return new PeerInfo(peer, addresses, record.protocols, observed, record.agentVersion, record.protocolVersion);
    }

    private static Optional<Multiaddr> parse(byte[] bytes, PeerId peer) {
        try {
            return Optional.of(Multiaddr.fromBytes(bytes));
        } catch (IllegalArgumentException e) {
            log.debug("Skipping an address in the identify record of {}: {}", peer, e.getMessage());
            return Optional.empty();
        }
    }

    /** One connection's pushes and answers; its methods may run on any of the connection's streams' threads. */
    private static final class PerConnection {
        final AtomicBoolean watching = new AtomicBoolean();
        private boolean pushing;
        private boolean pushPending;
        private int answers;
        private Stream pushArriving;

        /** Whether the caller should send a push now; otherwise one is under way and another is noted. */
        synchronized boolean startPush() {
            if (pushing) {
                pushPending = true;
                return false;
            }
            pushing = true;
            return true;
        }

        /** A push ended; whether the caller should send the one noted meanwhile. */
        synchronized boolean pushDone() {
            if (pushPending) {
                pushPending = false;
                return true;
            }
            pushing = false;
            return false;
        }

        /** The peer refused a push stream: no point in sending the noted one now; the next change tries again. */
        synchronized void pushFailed() {
            pushing = false;
            pushPending = false;
        }

        synchronized boolean startAnswer() {
            if (answers >= MAX_ANSWERS_IN_FLIGHT) {
                return false;
            }
            answers++;
            return true;
        }

        synchronized void answerDone() {
            answers--;
        }

        /** A newer push replaces one still arriving: each carries the whole record. */
        void receivingPush(Stream stream) {
            Stream older;
            synchronized (this) {
                older = pushArriving;
                pushArriving = stream;
            }
            if (older != null) {
                older.close();
            }
        }

        /** Whether {@code stream} was still the latest push, not replaced by a newer one. */
        synchronized boolean pushReceived(Stream stream) {
            if (pushArriving == stream) {
                pushArriving = null;
                return true;
            }
            return false;
        }
    }

    private record Handler(String protocolId, Consumer<Stream> onStream) implements ProtocolHandler {
        @Override
        public void handleStream(Stream stream) {
            onStream.accept(stream);
        }
    }
}
