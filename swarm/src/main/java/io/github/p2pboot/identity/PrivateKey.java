package io.github.p2pboot.identity;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * This node's host key: an Ed25519 key, signing with the JDK's EdDSA. Its {@link #toString()} and
 * every exception about it name the peer id, never the key material.
 */
public final class PrivateKey {

    /** The DER prefix of an Ed25519 PKCS#8 key, before the 32-byte seed. */
    private static final byte[] PKCS8_PREFIX = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};

    private final byte[] seed;
    private final PublicKey publicKey;
    private final java.security.PrivateKey jdkKey;

    private PrivateKey(byte[] seed, byte[] publicKey) {
        this.seed = seed;
        this.publicKey = new PublicKey.Ed25519(publicKey);
        byte[] pkcs8 = Arrays.copyOf(PKCS8_PREFIX, PKCS8_PREFIX.length + 32);
        System.arraycopy(seed, 0, pkcs8, PKCS8_PREFIX.length, 32);
        try {
            this.jdkKey = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot load an Ed25519 key", e);
        } finally {
            Arrays.fill(pkcs8, (byte) 0);
        }
    }

    /** A fresh random Ed25519 key. */
    public static PrivateKey generateEd25519() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] pkcs8 = pair.getPrivate().getEncoded();
            byte[] spki = pair.getPublic().getEncoded();
            // Both encodings end with the 32 raw bytes.
            return new PrivateKey(Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length),
                    Arrays.copyOfRange(spki, spki.length - 32, spki.length));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate Ed25519 keys", e);
        }
    }

    /**
     * The Ed25519 key of a 32-byte seed (RFC 8032's secret key), the same key js-libp2p's
     * {@code generateKeyPairFromSeed('Ed25519', seed)} makes. For tests and fixed identities.
     */
    public static PrivateKey ed25519FromSeed(byte[] seed) {
        if (seed.length != 32) {
            throw new KeyFormatException("Ed25519 seed must be 32 bytes, got " + seed.length);
        }
        byte[] publicKey = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
        return new PrivateKey(seed.clone(), publicKey);
    }

    /**
     * Decodes the libp2p protobuf private key. Ed25519 only; its Data is the 64 bytes
     * {@code seed || public key} (as go and js write it) or the 32-byte seed.
     *
     * @throws KeyFormatException naming what is wrong (never the key bytes)
     */
    public static PrivateKey unmarshal(byte[] protobuf) {
        KeyProtobuf decoded = KeyProtobuf.decode(protobuf, "private key");
        if (decoded.type() != KeyType.ED25519) {
            throw new KeyFormatException("unsupported private key type " + decoded.type() + ": host keys must be Ed25519");
        }
        byte[] data = decoded.data();
        try {
            if (data.length == 32) {
                return ed25519FromSeed(data);
            }
            if (data.length != 64) {
                throw new KeyFormatException("Ed25519 private key must be 64 bytes (seed and public key) or 32 (seed), got " + data.length);
            }
            PrivateKey key = ed25519FromSeed(Arrays.copyOf(data, 32));
            if (!Arrays.equals(key.publicKey.raw(), Arrays.copyOfRange(data, 32, 64))) {
                throw new KeyFormatException("Ed25519 private key's embedded public key does not match its seed");
            }
            return key;
        } finally {
            Arrays.fill(data, (byte) 0);
        }
    }

    public KeyType type() {
        return KeyType.ED25519;
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    public PeerId peerId() {
        return PeerId.fromPublicKey(publicKey);
    }

    public byte[] sign(byte[] data) {
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(jdkKey);
            signer.update(data);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** The libp2p protobuf encoding, Data = seed || public key. Handle with care: it is the secret. */
    public byte[] marshal() {
        byte[] data = new byte[64];
        System.arraycopy(seed, 0, data, 0, 32);
        System.arraycopy(publicKey.raw(), 0, data, 32, 32);
        try {
            return new KeyProtobuf(KeyType.ED25519, data).encode();
        } finally {
            Arrays.fill(data, (byte) 0);
        }
    }

    @Override
    public String toString() {
        return "PrivateKey[Ed25519, peer " + peerId() + "]";
    }
}
