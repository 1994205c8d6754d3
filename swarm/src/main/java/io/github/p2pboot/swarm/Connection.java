package io.github.p2pboot.swarm;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * A secured, multiplexed connection to one authenticated peer. The remote peer id was verified
 * during the security handshake (the libp2p TLS certificate extension for QUIC).
 */
public interface Connection {

    /** A short id, unique within this node, for logs and the actuator endpoint. */
    String id();

    PeerId remotePeer();

    /** The peer's address as seen by this node, without {@code /p2p}. */
    Multiaddr remoteAddress();

    Multiaddr localAddress();

    Direction direction();

    /** The transport's name: {@code quic-v1} or {@code tcp}. */
    String transport();

    Instant openedAt();

    boolean isOpen();

    /**
     * Opens a stream and negotiates the first of {@code protocols} the peer supports. The future
     * completes on the stream's event loop: a callback chained to it may add handlers to the
     * stream's pipeline before any data from the peer is read.
     */
    CompletableFuture<Stream> newStream(String... protocols);

    /** Closes the connection and tells the peer, completing when the close was sent. */
    CompletableFuture<Void> close();

    /**
     * Completes with the cause once the connection has closed, for whatever reason. Each call
     * returns a new future: completing it by hand changes nothing but that future.
     */
    CompletableFuture<CloseCause> closeFuture();
}
