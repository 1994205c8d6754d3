package io.github.p2pboot.transport.quic;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicTokenHandler;
import java.net.InetSocketAddress;

/**
 * Accepts connections without a Retry round trip, as rust- and js-libp2p listeners do by default:
 * address validation by Retry would add a round trip to every dial, while QUIC's anti-amplification
 * limit already bounds what a spoofed Initial can make us send.
 *
 * <p>An Initial that carries a token anyway (we never issue any) is accepted as Netty does with
 * any token it is told is valid: the connection then takes the client's destination id as its
 * own, without asking our id generator. {@code onTokenAccepted} runs first, so that such a
 * connection does not inherit the previous connection's reset token (see {@link
 * TransportParameterToken}).
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
        return 0;
    }

    @Override
    public int maxTokenLength() {
        return 0;
    }
}
