package io.github.p2pboot.security.noise;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageCodec;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.FastThreadLocal;
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
     * Where a message is gathered for the cipher, and where it encrypts to: the JDK's
     * ChaCha20-Poly1305 works on arrays (it would copy a direct buffer to a fresh one), and
     * reusing these spares the new arrays per message each direction made before. One pair per
     * event-loop thread, not per connection (a connection's codec runs on its loop only, and
     * nothing else runs between filling an array and the cipher reading it), so that a thousand
     * connections do not cost 128 MiB of arrays.
     */
    private static final FastThreadLocal<byte[]> INPUT = scratch();
    private static final FastThreadLocal<byte[]> OUTPUT = scratch();
    /** After a bad frame the receive nonce is out of step for good, so nothing more is read. */
    private boolean failed;

    NoiseTransportCodec(CipherState sender, CipherState receiver) {
        // Direct buffers out, as the socket writes them (pooled heap buffers here made the
        // allocator open heap chunks of its own: PingBackpressureTest's growth bound).
        super(ByteBuf.class);
        this.sender = sender;
        this.receiver = receiver;
    }

    private static FastThreadLocal<byte[]> scratch() {
        return new FastThreadLocal<>() {
            @Override
            protected byte[] initialValue() {
                return new byte[HandshakeState.MAX_MESSAGE_LENGTH];
            }
        };
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, ByteBuf out) throws Exception {
        int messages = (msg.readableBytes() + MAX_PLAINTEXT - 1) / MAX_PLAINTEXT;
        out.ensureWritable(msg.readableBytes() + messages * (2 + CipherState.TAG_LENGTH));
        while (msg.isReadable()) {
            int length = Math.min(msg.readableBytes(), MAX_PLAINTEXT);
            byte[] plaintext = INPUT.get();
            msg.readBytes(plaintext, 0, length);
            byte[] ciphertext = OUTPUT.get();
            int written = sender.encrypt(plaintext, 0, length, ciphertext, 0);
            out.writeShort(written);
            out.writeBytes(ciphertext, 0, written);
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
            byte[] ciphertext = INPUT.get();
            in.readBytes(ciphertext, 0, length);
            // A plain heap buffer, as before: what the muxer holds of it for a stream that is not
            // read stays in the garbage-collected heap, not in the allocator's pooled chunks.
            byte[] plaintextArray = new byte[length - CipherState.TAG_LENGTH];
            ByteBuf plaintext = Unpooled.wrappedBuffer(plaintextArray);
            try {
                plaintext.writerIndex(receiver.decrypt(ciphertext, 0, length, plaintextArray, 0));
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
