package io.github.p2pboot.security.noise;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;

/** The Noise DH functions over the JDK's X25519, with keys in their raw 32-byte RFC 7748 form. */
final class X25519 {

    static final int KEY_LENGTH = 32;

    private X25519() {
    }

    static KeyPair generateKeyPair() {
        try {
            return KeyPairGenerator.getInstance("X25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK offers no X25519", e);
        }
    }

    /** A key pair from a raw private scalar; for test vectors. */
    static KeyPair fromPrivate(byte[] scalar) throws GeneralSecurityException {
        KeyFactory factory = KeyFactory.getInstance("X25519");
        PrivateKey priv = factory.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar.clone()));
        // The JDK cannot derive the public key from a private one, so compute u = X25519(k, 9).
        byte[] basePoint = new byte[KEY_LENGTH];
        basePoint[0] = 9;
        byte[] pub = dh(priv, basePoint);
        return new KeyPair(publicFromRaw(pub), priv);
    }

    /** The raw encoding: the u-coordinate, little-endian, whereas BigInteger is big-endian. */
    static byte[] rawPublic(PublicKey key) {
        BigInteger u = ((XECPublicKey) key).getU();
        byte[] bigEndian = u.toByteArray();
        byte[] raw = new byte[KEY_LENGTH];
        // toByteArray may add a leading sign byte or be shorter than 32 bytes; copy the low-order bytes.
        for (int i = 0; i < KEY_LENGTH && i < bigEndian.length; i++) {
            raw[i] = bigEndian[bigEndian.length - 1 - i];
        }
        return raw;
    }

    static PublicKey publicFromRaw(byte[] raw) throws GeneralSecurityException {
        if (raw.length != KEY_LENGTH) {
            throw new IllegalArgumentException("X25519 public key must be 32 bytes, got " + raw.length);
        }
        byte[] bigEndian = new byte[KEY_LENGTH];
        for (int i = 0; i < KEY_LENGTH; i++) {
            bigEndian[i] = raw[KEY_LENGTH - 1 - i];
        }
        // RFC 7748 §5: implementations must ignore the most significant bit of the final byte.
        bigEndian[0] &= 0x7f;
        BigInteger u = new BigInteger(1, bigEndian);
        return KeyFactory.getInstance("X25519").generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, u));
    }

    /**
     * The shared secret. The JDK refuses results of all zeros (a low-order remote key), which
     * surfaces as an exception here rather than as a weak key.
     */
    static byte[] dh(PrivateKey priv, byte[] remoteRaw) throws GeneralSecurityException {
        KeyAgreement agreement = KeyAgreement.getInstance("X25519");
        agreement.init(priv);
        agreement.doPhase(publicFromRaw(remoteRaw), true);
        return agreement.generateSecret();
    }
}
