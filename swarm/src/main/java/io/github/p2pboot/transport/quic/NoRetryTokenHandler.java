package io.github.p2pboot.transport.quic;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicTokenHandler;
import java.net.InetSocketAddress;

/**
 * Accepts connections without a Retry round trip, as rust- and js-libp2p listeners do by default:
 * address validation by Retry would add a round trip to every dial, while QUIC's anti-amplification
 * limit already bounds what a spoofed Initial can make us send.
 */
final class NoRetryTokenHandler implements QuicTokenHandler {

    static final NoRetryTokenHandler INSTANCE = new NoRetryTokenHandler();

    @Override
    public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
        return false;
    }

    @Override
    public int validateToken(ByteBuf token, InetSocketAddress address) {
        return 0;
    }

    @Override
    public int maxTokenLength() {
        return 0;
    }
}
