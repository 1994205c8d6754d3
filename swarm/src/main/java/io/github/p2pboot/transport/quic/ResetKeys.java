package io.github.p2pboot.transport.quic;

import io.github.p2pboot.identity.PrivateKey;
import io.netty.handler.codec.quic.QuicResetTokenGenerator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The two QUIC keys this node derives from its host key, so that they are the same after a
 * restart with the same identity: the stateless reset key (HKDF-SHA256 over the raw private key,
 * info {@value #RESET_KEY_INFO}, as go-libp2p and rust-libp2p derive it) and the connection-id key
 * (same derivation, info {@value #CONNECTION_ID_KEY_INFO}; neither go- nor rust-libp2p has one,
 * their connection ids are random per process).
 *
 * <p>A reset token is HMAC-SHA256(reset key, connection id), truncated to 16 bytes, so a restarted
 * node computes for a connection id of its earlier run the very token it advertised for it
 * (RFC 9000 §10.3.2). The keys never leave this object: no accessor, no {@code toString}.
 */
final class ResetKeys implements QuicResetTokenGenerator {

    static final String RESET_KEY_INFO = "libp2p quic stateless reset key";
    static final String CONNECTION_ID_KEY_INFO = "libp2p quic connection id key";
    static final int TOKEN_LENGTH = 16;
    private static final String HMAC = "HmacSHA256";

    private final SecretKeySpec resetKey;
    private final byte[] connectionIdKey;

    private ResetKeys(byte[] resetKey, byte[] connectionIdKey) {
        this.resetKey = new SecretKeySpec(resetKey, HMAC);
        this.connectionIdKey = connectionIdKey;
        Arrays.fill(resetKey, (byte) 0);
    }

    static ResetKeys derive(PrivateKey hostKey) {
        byte[] raw = rawKey(hostKey);
        try {
            return new ResetKeys(hkdf(raw, RESET_KEY_INFO, 32), hkdf(raw, CONNECTION_ID_KEY_INFO, 16));
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /** The 16-byte AES key connection ids are sealed with; the caller must not keep or show it. */
    byte[] connectionIdKey() {
        return connectionIdKey.clone();
    }

    /** The stateless reset token for one of our connection ids. */
    byte[] token(byte[] connectionId) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(resetKey);
            return Arrays.copyOf(mac.doFinal(connectionId), TOKEN_LENGTH);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Netty calls this for every connection id a server connection issues in NEW_CONNECTION_ID frames. */
    @Override
    public ByteBuffer newResetToken(ByteBuffer cid) {
        byte[] id = new byte[cid.remaining()];
        cid.duplicate().get(id);
        return ByteBuffer.wrap(token(id));
    }

    /**
     * The private key's raw bytes, as go-libp2p's {@code PrivKey.Raw()} gives them (for Ed25519:
     * seed then public key), read from the libp2p protobuf encoding: field 1 the type, field 2 the
     * data.
     */
    private static byte[] rawKey(PrivateKey hostKey) {
        byte[] encoded = hostKey.marshal();
        try {
            int i = 0;
            if (encoded[i++] != 0x08) {
                throw new IllegalStateException("unexpected private key encoding");
            }
            while ((encoded[i++] & 0x80) != 0) {
                // skip the key type varint
            }
            if (encoded[i++] != 0x12) {
                throw new IllegalStateException("unexpected private key encoding");
            }
            int length = 0;
            int shift = 0;
            int b;
            do {
                b = encoded[i++] & 0xff;
                length |= (b & 0x7f) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            return Arrays.copyOfRange(encoded, i, i + length);
        } finally {
            Arrays.fill(encoded, (byte) 0);
        }
    }

    /** HKDF-SHA256 (RFC 5869) with an empty salt, at most one hash length of output. */
    static byte[] hkdf(byte[] inputKeyMaterial, String info, int length) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(new byte[32], HMAC));
            byte[] pseudoRandomKey = mac.doFinal(inputKeyMaterial);
            mac.init(new SecretKeySpec(pseudoRandomKey, HMAC));
            mac.update(info.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) 1);
            byte[] okm = mac.doFinal();
            Arrays.fill(pseudoRandomKey, (byte) 0);
            byte[] out = Arrays.copyOf(okm, length);
            Arrays.fill(okm, (byte) 0);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
