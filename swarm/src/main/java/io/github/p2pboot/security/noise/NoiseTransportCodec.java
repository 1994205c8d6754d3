package io.github.p2pboot.security.noise;

import io.netty.buffer.ByteBuf;
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
    /**
     * Where a message is gathered before the cipher reads it, one per direction: the JDK's
     * ChaCha20-Poly1305 works on arrays (a direct buffer would be copied to a fresh one), and
     * reusing these spares an allocation and a copy per message each way.
     */
    private final byte[] plaintextScratch = new byte[MAX_PLAINTEXT];
    private final byte[] ciphertextScratch = new byte[HandshakeState.MAX_MESSAGE_LENGTH];
    /** After a bad frame the receive nonce is out of step for good, so nothing more is read. */
    private boolean failed;

    NoiseTransportCodec(CipherState sender, CipherState receiver) {
        // Heap buffers out: the cipher writes straight into their arrays.
        super(ByteBuf.class, false);
        this.sender = sender;
        this.receiver = receiver;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, ByteBuf out) throws Exception {
        int messages = (msg.readableBytes() + MAX_PLAINTEXT - 1) / MAX_PLAINTEXT;
        out.ensureWritable(msg.readableBytes() + messages * (2 + CipherState.TAG_LENGTH));
        while (msg.isReadable()) {
            int length = Math.min(msg.readableBytes(), MAX_PLAINTEXT);
            msg.readBytes(plaintextScratch, 0, length);
            out.writeShort(length + CipherState.TAG_LENGTH);
            if (out.hasArray()) {
                int written = sender.encrypt(plaintextScratch, 0, length, out.array(), out.arrayOffset() + out.writerIndex());
                out.writerIndex(out.writerIndex() + written);
            } else {
                out.writeBytes(sender.encryptWithAd(NO_AD, plaintextScratch, 0, length));
            }
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
            in.readBytes(ciphertextScratch, 0, length);
            ByteBuf plaintext = ctx.alloc().heapBuffer(length - CipherState.TAG_LENGTH);
            try {
                if (plaintext.hasArray()) {
                    int written = receiver.decrypt(ciphertextScratch, 0, length, plaintext.array(), plaintext.arrayOffset());
                    plaintext.writerIndex(written);
                } else {
                    plaintext.writeBytes(receiver.decryptWithAd(NO_AD, ciphertextScratch, 0, length));
                }
            } catch (GeneralSecurityException e) {
                plaintext.release();
                failed = true;
                in.skipBytes(in.readableBytes());
                throw new NoiseHandshakeException("Noise transport frame " + receiver.nonce()
                        + " failed decryption: " + e, e);
            }
            if (plaintext.isReadable()) {
                out.add(plaintext);
            } else {
                plaintext.release();
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
