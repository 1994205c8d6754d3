package io.github.p2pboot.transport.quic;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicTokenHandler;
import java.net.InetSocketAddress;

/**
 * Accepts connections without a Retry round trip, as rust- and js-libp2p listeners do by default:
 * address validation by Retry would add a round trip to every dial, while QUIC's anti-amplification
 * limit already bounds what a spoofed Initial can make us send.
 *
 * <p>An Initial may carry a token all the same: quinn (under js- and rust-libp2p) keeps the tokens
 * servers give it in NEW_TOKEN frames by server name, and libp2p uses one server name for every
 * peer, so a peer that has talked to another quinn node sends us that node's token. We issue none,
 * so we cannot validate it, and RFC 9000 (section 8.1.3) has the server then carry on as if there
 * were no token. Netty takes the bytes after the offset {@link #validateToken} returns as the
 * original destination id of a Retry; we return the token's length, so there are none, and quiche
 * accepts the connection as one without a Retry: no Retry ids in its transport parameters, and the
 * anti-amplification limit still applies to the unvalidated address. (Returning 0 made the token
 * itself that id; the client refused the handshake, and every dial from such a peer timed out.)
 * Netty gives such a connection the client's destination id as its own, without asking our id
 * generator; {@code onTokenAccepted} runs first, so that it does not inherit the previous
 * connection's reset token (see {@link TransportParameterToken}).
 */
final class NoRetryTokenHandler implements QuicTokenHandler {

    private final Runnable onTokenAccepted;

    NoRetryTokenHandler(Runnable onTokenAccepted) {
        this.onTokenAccepted = onTokenAccepted;
    }

    @Override
    public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
        return false;
    }

    @Override
    public int validateToken(ByteBuf token, InetSocketAddress address) {
        onTokenAccepted.run();
        // What follows the offset is taken as the original destination id of a Retry. We sent no
        // Retry, so nothing follows: quiche then accepts the connection as one without a Retry.
        return token.readableBytes();
    }

    @Override
    public int maxTokenLength() {
        return 0;
    }
}
