package io.github.p2pboot.transport.quic;

import io.netty.handler.codec.quic.QuicConnectionIdGenerator;
import io.netty.handler.codec.quic.QuicConnectionAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.function.Consumer;

/**
 * The connection ids one listener's server connections use, from {@link ConnectionIds}. Netty
 * asks for the handshake id (with the client's ids as input) right before it creates the quiche
 * connection, and for further ids when a connection issues NEW_CONNECTION_ID frames.
 *
 * <p>The handshake id's reset token travels in the {@code stateless_reset_token} transport
 * parameter, which quiche takes from the codec's shared configuration: {@code handshakeToken}
 * writes this id's token there just before the connection copies it, so every connection
 * advertises its own token (RFC 9000 §10.3.2: one token per connection id).
 */
final class ServerConnectionIdGenerator implements QuicConnectionIdGenerator {

    private final ConnectionIds ids;
    private final ResetKeys keys;
    private final SecureRandom random;
    private volatile Consumer<byte[]> handshakeToken = token -> { };
    /** Handshake ids handed out whose connection has not come up yet; bounded, oldest dropped first. */
    private final Deque<byte[]> pendingHandshakeIds = new ArrayDeque<>();
    static final int MAX_PENDING_HANDSHAKE_IDS = 256;

    ServerConnectionIdGenerator(ConnectionIds ids, ResetKeys keys, SecureRandom random) {
        this.ids = ids;
        this.keys = keys;
        this.random = random;
    }

    void handshakeToken(Consumer<byte[]> sink) {
        this.handshakeToken = sink;
    }

    @Override
    public ByteBuffer newId(int length) {
        return issued(length);
    }

    @Override
    public ByteBuffer newId(ByteBuffer input, int length) {
        return issued(length);
    }

    @Override
    public ByteBuffer newId(ByteBuffer scid, ByteBuffer dcid, int length) {
        checkLength(length);
        byte[] id = ids.newId(ConnectionIds.SERVER_HANDSHAKE);
        handshakeToken.accept(keys.token(id));
        synchronized (pendingHandshakeIds) {
            if (pendingHandshakeIds.size() >= MAX_PENDING_HANDSHAKE_IDS) {
                pendingHandshakeIds.removeFirst();
            }
            pendingHandshakeIds.addLast(id);
        }
        return ByteBuffer.wrap(id);
    }

    /**
     * The handshake id of a connection that just came up, found by its current source id (Netty
     * keeps the id's bytes package-private, but its addresses compare by id), or null.
     */
    byte[] takeHandshakeId(SocketAddress sourceId) {
        synchronized (pendingHandshakeIds) {
            for (Iterator<byte[]> it = pendingHandshakeIds.iterator(); it.hasNext(); ) {
                byte[] id = it.next();
                if (new QuicConnectionAddress(id).equals(sourceId)) {
                    it.remove();
                    return id;
                }
            }
        }
        return null;
    }

    /**
     * The next connection takes a handshake id we did not choose (see {@link NoRetryTokenHandler}):
     * it gets a random token, which no one can use, rather than the previous connection's.
     */
    void clientChosenHandshakeId() {
        byte[] token = new byte[ResetKeys.TOKEN_LENGTH];
        random.nextBytes(token);
        handshakeToken.accept(token);
    }

    private ByteBuffer issued(int length) {
        checkLength(length);
        return ByteBuffer.wrap(ids.newId(ConnectionIds.SERVER_ISSUED));
    }

    private static void checkLength(int length) {
        if (length != ConnectionIds.LENGTH) {
            throw new IllegalArgumentException("connection ids are " + ConnectionIds.LENGTH + " bytes, asked for " + length);
        }
    }

    @Override
    public int maxConnectionIdLength() {
        return ConnectionIds.LENGTH;
    }

    @Override
    public boolean isIdempotent() {
        return false;
    }
}
