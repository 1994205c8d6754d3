package io.github.p2pboot.transport.quic;

import io.netty.buffer.ByteBuf;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * Connection ids this node can later recognise as its own, even after a restart with the same
 * identity: 20 bytes, the first 16 an AES-128 block sealed with the connection-id key (see {@link
 * ResetKeys}), the last 4 random. The block holds the boot epoch (random per run), what kind of id
 * it is, 7 random bytes and 4 zero bytes that a decryption under the wrong key or of foreign bytes
 * leaves zero only once in 2^32.
 *
 * <p>Sealed rather than signed in the clear so that ids stay unlinkable to an observer (RFC 9000
 * §5.1: ids of one connection must not correlate), and cheap: one AES block per short-header
 * packet, which is what {@link StatelessResetHandler} pays on every packet it inspects.
 */
final class ConnectionIds {

    /** Netty's and quiche's maximum, which is also what the codecs use by default. */
    static final int LENGTH = 20;
    private static final int BLOCK = 16;

    /** Who issued an id, as far as this node can tell. */
    enum Origin {
        /** Not ours: a peer's id, random bytes, or an id sealed under another identity's key. */
        FOREIGN,
        /** Issued in this run; the codec knows it or has forgotten it on purpose. */
        THIS_RUN,
        /** Issued by a server connection of an earlier run of this identity: worth a stateless reset. */
        EARLIER_RUN_SERVER,
        /** Issued by a client connection of an earlier run: no peer holds a reset token for it. */
        EARLIER_RUN_CLIENT
    }

    /** Kinds of ids, sealed into the id itself. */
    static final byte SERVER_HANDSHAKE = 1;
    static final byte SERVER_ISSUED = 2;
    static final byte CLIENT_HANDSHAKE = 3;

    private final SecretKeySpec key;
    private final int epoch;
    private final SecureRandom random;
    private final ThreadLocal<Cipher> sealer;
    private final ThreadLocal<Cipher> opener;
    private final ThreadLocal<byte[][]> scratch = ThreadLocal.withInitial(() -> new byte[][] {new byte[BLOCK], new byte[BLOCK]});

    ConnectionIds(ResetKeys keys, SecureRandom random) {
        byte[] raw = keys.connectionIdKey();
        this.key = new SecretKeySpec(raw, "AES");
        Arrays.fill(raw, (byte) 0);
        this.random = random;
        this.epoch = random.nextInt();
        this.sealer = ThreadLocal.withInitial(() -> cipher(Cipher.ENCRYPT_MODE));
        this.opener = ThreadLocal.withInitial(() -> cipher(Cipher.DECRYPT_MODE));
    }

    private Cipher cipher(int mode) {
        try {
            // One block, each with fresh random bytes inside: ECB is a plain block cipher call here.
            Cipher cipher = Cipher.getInstance("AES/ECB/NoPadding");
            cipher.init(mode, key);
            return cipher;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES is not available", e);
        }
    }

    int epoch() {
        return epoch;
    }

    byte[] newId(byte kind) {
        byte[] plain = new byte[BLOCK];
        plain[0] = (byte) (epoch >>> 24);
        plain[1] = (byte) (epoch >>> 16);
        plain[2] = (byte) (epoch >>> 8);
        plain[3] = (byte) epoch;
        plain[4] = kind;
        byte[] nonce = new byte[7 + 4];
        random.nextBytes(nonce);
        System.arraycopy(nonce, 0, plain, 5, 7);
        byte[] id = new byte[LENGTH];
        try {
            sealer.get().doFinal(plain, 0, BLOCK, id, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES failed", e);
        }
        System.arraycopy(nonce, 7, id, BLOCK, 4);
        return id;
    }

    /** Classifies the {@value #LENGTH}-byte id at {@code index} of {@code buf}; allocates nothing. */
    Origin classify(ByteBuf buf, int index) {
        if (buf.writerIndex() - index < LENGTH) {
            return Origin.FOREIGN;
        }
        byte[][] blocks = scratch.get();
        byte[] sealed = blocks[0];
        byte[] plain = blocks[1];
        buf.getBytes(index, sealed);
        try {
            opener.get().doFinal(sealed, 0, BLOCK, plain, 0);
        } catch (GeneralSecurityException e) {
            return Origin.FOREIGN;
        }
        return classifyPlain(plain);
    }

    Origin classify(byte[] id) {
        if (id.length != LENGTH) {
            return Origin.FOREIGN;
        }
        byte[] plain = new byte[BLOCK];
        try {
            opener.get().doFinal(id, 0, BLOCK, plain, 0);
        } catch (GeneralSecurityException e) {
            return Origin.FOREIGN;
        }
        return classifyPlain(plain);
    }

    private Origin classifyPlain(byte[] plain) {
        if ((plain[12] | plain[13] | plain[14] | plain[15]) != 0) {
            return Origin.FOREIGN;
        }
        int idEpoch = (plain[0] & 0xff) << 24 | (plain[1] & 0xff) << 16 | (plain[2] & 0xff) << 8 | (plain[3] & 0xff);
        byte kind = plain[4];
        if (kind != SERVER_HANDSHAKE && kind != SERVER_ISSUED && kind != CLIENT_HANDSHAKE) {
            return Origin.FOREIGN;
        }
        if (idEpoch == epoch) {
            return Origin.THIS_RUN;
        }
        return kind == CLIENT_HANDSHAKE ? Origin.EARLIER_RUN_CLIENT : Origin.EARLIER_RUN_SERVER;
    }
}
