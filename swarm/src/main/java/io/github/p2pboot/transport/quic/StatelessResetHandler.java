package io.github.p2pboot.transport.quic;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits in front of a listener's QUIC codec and answers short-header packets addressed to a
 * connection id that a server connection of an earlier run of this identity issued with a
 * stateless reset (RFC 9000 §10.3), so that a peer whose connection outlived our restart drops it
 * at once instead of after its idle timeout. Netty's codec silently drops such packets.
 *
 * <p>Everything else goes to the codec untouched: packets for ids of this run (a live connection
 * is never reset from here; the codec and quiche decide), foreign ids, long headers. Resets are
 * smaller than the packet that caused them (no loops, no amplification), at least 21 bytes, start
 * with the bits {@code 01} and end with the 16-byte token; how many go out is bounded by {@link
 * ResetRateLimiter}. Peers cause all of this, so it logs at DEBUG only.
 */
final class StatelessResetHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(StatelessResetHandler.class);
    /** 1 byte of header, 4 unpredictable bytes and the token: RFC 9000 §10.3's minimum. */
    static final int MIN_RESET = 1 + 4 + ResetKeys.TOKEN_LENGTH;
    /** As long as a short-header packet with our 20-byte ids can be, when the trigger allows. */
    static final int USUAL_RESET = 1 + ConnectionIds.LENGTH + 4 + ResetKeys.TOKEN_LENGTH;
    static final int MAX_RESET = 64;

    private final ConnectionIds ids;
    private final ResetKeys keys;
    private final ResetRateLimiter limiter;
    private final SecureRandom random;
    private final AtomicLong sent;
    private long suppressed;

    StatelessResetHandler(ConnectionIds ids, ResetKeys keys, ResetRateLimiter limiter, SecureRandom random, AtomicLong sent) {
        this.ids = ids;
        this.keys = keys;
        this.limiter = limiter;
        this.random = random;
        this.sent = sent;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DatagramPacket packet && isForAnEarlierRun(packet.content())) {
            try {
                answer(ctx, packet);
            } finally {
                packet.release();
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private boolean isForAnEarlierRun(ByteBuf content) {
        int start = content.readerIndex();
        return content.readableBytes() > ConnectionIds.LENGTH
                && (content.getByte(start) & 0x80) == 0
                && ids.classify(content, start + 1) == ConnectionIds.Origin.EARLIER_RUN_SERVER;
    }

    private void answer(ChannelHandlerContext ctx, DatagramPacket packet) {
        ByteBuf content = packet.content();
        int trigger = content.readableBytes();
        if (trigger <= MIN_RESET) {
            // Too small to answer with something smaller.
            return;
        }
        if (!limiter.tryAcquire(packet.sender().getAddress())) {
            suppressed++;
            return;
        }
        byte[] id = new byte[ConnectionIds.LENGTH];
        content.getBytes(content.readerIndex() + 1, id);
        byte[] reset = reset(trigger, keys.token(id));
        sent.incrementAndGet();
        ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(reset), packet.sender()));
        if (log.isDebugEnabled()) {
            log.debug("Stateless reset to {} for a connection of an earlier run ({} suppressed by the rate limit so far)",
                    packet.sender(), suppressed);
        }
    }

    /** A reset that answers no packet (sent at start for a remembered connection): the usual size up to the maximum. */
    static byte[] unsolicitedReset(SecureRandom random, byte[] token) {
        return shape(random, USUAL_RESET + random.nextInt(MAX_RESET - USUAL_RESET + 1), token);
    }

    /** A reset for a {@code trigger}-byte packet: smaller than it, random but for the first two bits and the token. */
    byte[] reset(int trigger, byte[] token) {
        int largest = Math.min(trigger - 1, MAX_RESET);
        int smallest = Math.min(largest, USUAL_RESET);
        return shape(random, smallest + random.nextInt(largest - smallest + 1), token);
    }

    private static byte[] shape(SecureRandom random, int length, byte[] token) {
        byte[] reset = new byte[length];
        random.nextBytes(reset);
        reset[0] = (byte) (0x40 | (reset[0] & 0x3f));
        System.arraycopy(token, 0, reset, reset.length - token.length, token.length);
        return reset;
    }
}
