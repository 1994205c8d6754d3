package io.github.p2pboot.security.noise;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageCodec;
import io.netty.handler.codec.DecoderException;
import java.security.GeneralSecurityException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Noise transport phase: inbound 2-byte-length frames are decrypted into plaintext ByteBufs,
 * outbound ByteBufs are split into Noise messages, encrypted and framed.
 */
final class NoiseTransportCodec extends ByteToMessageCodec<ByteBuf> {

    private static final Logger log = LoggerFactory.getLogger(NoiseTransportCodec.class);

    static final int MAX_PLAINTEXT = HandshakeState.MAX_MESSAGE_LENGTH - CipherState.TAG_LENGTH;
    private static final byte[] NO_AD = new byte[0];

    private final CipherState sender;
    private final CipherState receiver;
    /** After a bad frame the receive nonce is out of step for good, so nothing more is read. */
    private boolean failed;

    NoiseTransportCodec(CipherState sender, CipherState receiver) {
        super(ByteBuf.class);
        this.sender = sender;
        this.receiver = receiver;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, ByteBuf out) throws Exception {
        while (msg.isReadable()) {
            int length = Math.min(msg.readableBytes(), MAX_PLAINTEXT);
            byte[] plaintext = new byte[length];
            msg.readBytes(plaintext);
            byte[] ciphertext = sender.encryptWithAd(NO_AD, plaintext);
            out.writeShort(ciphertext.length);
            out.writeBytes(ciphertext);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.readableBytes() >= 2) {
            int length = in.getUnsignedShort(in.readerIndex());
            if (length < CipherState.TAG_LENGTH) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw new NoiseHandshakeException("Noise transport frame of " + length
                        + " bytes is shorter than the " + CipherState.TAG_LENGTH + "-byte authentication tag");
            }
            if (in.readableBytes() < 2 + length) {
                return;
            }
            in.skipBytes(2);
            byte[] ciphertext = new byte[length];
            in.readBytes(ciphertext);
            byte[] plaintext;
            try {
                plaintext = receiver.decryptWithAd(NO_AD, ciphertext);
            } catch (GeneralSecurityException e) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw new NoiseHandshakeException("Noise transport frame " + receiver.nonce()
                        + " failed decryption: " + e, e);
            }
            if (plaintext.length > 0) {
                out.add(Unpooled.wrappedBuffer(plaintext));
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Handlers behind learn why before the close they might react to. Netty wraps what decode
        // throws in a DecoderException: unwrapped, the bad frame is reported as the IOException it
        // is, which the muxer behind logs at DEBUG, not as an unexpected error (a WARN with a stack
        // trace that any peer able to finish a handshake could have us write at will).
        if (cause instanceof DecoderException && cause.getCause() instanceof NoiseHandshakeException badFrame) {
            cause = badFrame;
        }
        ctx.fireExceptionCaught(cause);
        if (failed) {
            // Undecryptable input means a broken or hostile peer: the session cannot recover.
            log.debug("closing {}: {}", ctx.channel(), cause.getMessage());
            ctx.close();
        }
    }
}
