package io.github.p2pboot.protocol.identify;

import com.google.protobuf.ByteString;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PublicKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.identify.pb.IdentifyProto;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.PeerInfo;
import io.github.p2pboot.swarm.ProtocolHandler;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.swarm.SwarmListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identify protocols ({@code identify/README.md}): on every new connection this node asks the
 * peer for its public key, listen addresses and protocols ({@value #PROTOCOL_ID}); it answers the
 * same question; and it pushes its own record to connected peers when its protocols change
 * ({@value #PUSH_PROTOCOL_ID}).
 */
public final class Identify implements SwarmListener {

    public static final String PROTOCOL_ID = "/ipfs/id/1.0.0";
    public static final String PUSH_PROTOCOL_ID = "/ipfs/id/push/1.0.0";
    public static final String PROTOCOL_VERSION = "ipfs/0.1.0";
    /** Identify records are small; 64 KiB leaves room for many addresses and protocols. */
    static final int MAX_MESSAGE_SIZE = 64 * 1024;

    private static final Logger log = LoggerFactory.getLogger(Identify.class);

    private final PublicKey localKey;
    private final Supplier<Set<String>> protocols;
    private final Supplier<List<Multiaddr>> listenAddresses;
    private final String agentVersion;
    private final Consumer<PeerInfo> onIdentified;

    /**
     * @param onIdentified receives every verified record, from a request or a push
     */
    public Identify(PublicKey localKey, Supplier<Set<String>> protocols, Supplier<List<Multiaddr>> listenAddresses,
            String agentVersion, Consumer<PeerInfo> onIdentified) {
        this.localKey = localKey;
        this.protocols = protocols;
        this.listenAddresses = listenAddresses;
        this.agentVersion = agentVersion;
        this.onIdentified = onIdentified;
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

    /** Asks the peer of {@code connection} to identify itself. */
    public CompletableFuture<PeerInfo> request(Connection connection) {
        return connection.newStream(PROTOCOL_ID)
                .thenCompose(stream -> IdentifyReader.read(stream, MAX_MESSAGE_SIZE))
                .thenApply(message -> {
                    PeerInfo info = toPeerInfo(connection, message);
                    onIdentified.accept(info);
                    return info;
                });
    }

    /** Sends our current record to the peer of {@code connection}. */
    public void push(Connection connection) {
        connection.newStream(PUSH_PROTOCOL_ID).whenComplete((stream, error) -> {
            if (error != null) {
                log.debug("Identify push to {} failed: {}", connection.remotePeer(), error.toString());
                return;
            }
            writeAndClose(stream);
        });
    }

    private void respond(Stream stream) {
        writeAndClose(stream);
    }

    private void receivePush(Stream stream) {
        IdentifyReader.read(stream, MAX_MESSAGE_SIZE).whenComplete((message, error) -> {
            if (error != null) {
                log.debug("Identify push from {} refused: {}", stream.remotePeer(), error.toString());
                return;
            }
            try {
                onIdentified.accept(toPeerInfo(stream.connection(), message));
            } catch (IllegalArgumentException e) {
                log.debug("Identify push from {} refused: {}", stream.remotePeer(), e.getMessage());
            }
        });
    }

    private void writeAndClose(Stream stream) {
        IdentifyProto.Identify.Builder message = IdentifyProto.Identify.newBuilder()
                .setProtocolVersion(PROTOCOL_VERSION)
                .setAgentVersion(agentVersion)
                .setPublicKey(ByteString.copyFrom(localKey.marshal()))
                .setObservedAddr(ByteString.copyFrom(stream.connection().remoteAddress().toBytes()))
                .addAllProtocols(protocols.get());
        for (Multiaddr address : listenAddresses.get()) {
            message.addListenAddrs(ByteString.copyFrom(address.toBytes()));
        }
        IdentifyReader.writeAndClose(stream, message.build());
    }

    /**
     * Checks the record against the connection's authenticated peer and converts it. Addresses
     * that do not parse are skipped rather than failing the whole record.
     *
     * @throws IllegalArgumentException if the record carries another peer's public key
     */
    static PeerInfo toPeerInfo(Connection connection, IdentifyProto.Identify message) {
        PeerId peer = connection.remotePeer();
        if (message.hasPublicKey()) {
            PublicKey key = PublicKey.unmarshal(message.getPublicKey().toByteArray());
            PeerId claimed = PeerId.fromPublicKey(key);
            if (!claimed.equals(peer)) {
                throw new IllegalArgumentException("identify from " + peer + " carries the public key of " + claimed);
            }
        }
        List<Multiaddr> addresses = new ArrayList<>();
        for (ByteString bytes : message.getListenAddrsList()) {
            parse(bytes, peer).ifPresent(addresses::add);
        }
        Optional<Multiaddr> observed = message.hasObservedAddr() ? parse(message.getObservedAddr(), peer) : Optional.empty();
        return new PeerInfo(peer, addresses, Set.copyOf(message.getProtocolsList()), observed,
                message.getAgentVersion(), message.getProtocolVersion());
    }

    private static Optional<Multiaddr> parse(ByteString bytes, PeerId peer) {
        try {
            return Optional.of(Multiaddr.fromBytes(bytes.toByteArray()));
        } catch (IllegalArgumentException e) {
            log.debug("Skipping an address in the identify record of {}: {}", peer, e.getMessage());
            return Optional.empty();
        }
    }

    private record Handler(String protocolId, Consumer<Stream> onStream) implements ProtocolHandler {
        @Override
        public void handleStream(Stream stream) {
            onStream.accept(stream);
        }
    }
}
