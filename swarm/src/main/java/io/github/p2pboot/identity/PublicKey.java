package io.github.p2pboot.identity;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.bouncycastle.asn1.sec.SECNamedCurves;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.DSADigestSigner;
import org.bouncycastle.crypto.signers.ECDSASigner;

/**
 * A peer's public key, of any type libp2p defines (spec {@code peer-ids/peer-ids.md}): it
 * verifies the peer's signatures and derives its {@link PeerId}.
 */
public abstract class PublicKey {

    private final KeyType type;
    private final byte[] raw;

    PublicKey(KeyType type, byte[] raw) {
        this.type = type;
        this.raw = raw;
    }

    /**
     * Decodes the libp2p protobuf encoding.
     *
     * @throws KeyFormatException naming what is wrong
     */
    public static PublicKey unmarshal(byte[] protobuf) {
        KeyProtobuf decoded = KeyProtobuf.decode(protobuf, "public key");
        return switch (decoded.type()) {
            case ED25519 -> new Ed25519(decoded.data());
            case SECP256K1 -> new Secp256k1(decoded.data());
            case ECDSA -> new Jca(KeyType.ECDSA, decoded.data(), "EC", "SHA256withECDSA");
            case RSA -> new Jca(KeyType.RSA, decoded.data(), "RSA", "SHA256withRSA");
        };
    }

    public KeyType type() {
        return type;
    }

    /** The protobuf {@code Data} field: the key in its type's own encoding. */
    public byte[] raw() {
        return raw.clone();
    }

    /** The deterministic libp2p protobuf encoding, which the peer id hashes. */
    public byte[] marshal() {
        return new KeyProtobuf(type, raw).encode();
    }

    /** Whether {@code signature} is this key's signature of {@code data}; false for any malformed signature. */
    public abstract boolean verify(byte[] data, byte[] signature);

    @Override
    public boolean equals(Object o) {
        return o instanceof PublicKey other && type == other.type && Arrays.equals(raw, other.raw);
    }

    @Override
    public int hashCode() {
        return 31 * type.hashCode() + Arrays.hashCode(raw);
    }

    @Override
    public String toString() {
        return "PublicKey[" + type + "]";
    }

    /** Ed25519: the 32 bytes of the key, verified with the JDK's EdDSA. */
    static final class Ed25519 extends PublicKey {
        /** The DER prefix of an Ed25519 SubjectPublicKeyInfo, before the 32 key bytes. */
        private static final byte[] SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

        private final java.security.PublicKey jdkKey;

        Ed25519(byte[] raw) {
            super(KeyType.ED25519, raw.clone());
            if (raw.length != 32) {
                throw new KeyFormatException("Ed25519 public key must be 32 bytes, got " + raw.length);
            }
            byte[] spki = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + 32);
            System.arraycopy(raw, 0, spki, SPKI_PREFIX.length, 32);
            try {
                jdkKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
            } catch (GeneralSecurityException e) {
                throw new KeyFormatException("invalid Ed25519 public key: " + e.getMessage(), e);
            }
        }

        @Override
        public boolean verify(byte[] data, byte[] signature) {
            try {
                Signature verifier = Signature.getInstance("Ed25519");
                verifier.initVerify(jdkKey);
                verifier.update(data);
                return verifier.verify(signature);
            } catch (GeneralSecurityException | RuntimeException e) {
                return false;
            }
        }
    }

    /** Secp256k1: a 33-byte compressed point; ECDSA over SHA-256 with DER signatures (BouncyCastle). */
    static final class Secp256k1 extends PublicKey {
        private static final X9ECParameters CURVE = SECNamedCurves.getByName("secp256k1");
        private static final ECDomainParameters DOMAIN =
                new ECDomainParameters(CURVE.getCurve(), CURVE.getG(), CURVE.getN(), CURVE.getH());

        private final ECPublicKeyParameters parameters;

        Secp256k1(byte[] raw) {
            super(KeyType.SECP256K1, raw.clone());
            if (raw.length != 33) {
                throw new KeyFormatException("Secp256k1 public key must be 33 bytes (compressed), got " + raw.length);
            }
            try {
                parameters = new ECPublicKeyParameters(CURVE.getCurve().decodePoint(raw), DOMAIN);
            } catch (IllegalArgumentException e) {
                throw new KeyFormatException("Secp256k1 public key is not a point on the curve", e);
            }
        }

        @Override
        public boolean verify(byte[] data, byte[] signature) {
            try {
                DSADigestSigner verifier = new DSADigestSigner(new ECDSASigner(), new SHA256Digest());
                verifier.init(false, parameters);
                verifier.update(data, 0, data.length);
                return verifier.verifySignature(signature);
            } catch (RuntimeException e) {
                return false;
            }
        }
    }

    /** ECDSA and RSA: a DER SubjectPublicKeyInfo, verified by the JDK with SHA-256. */
    static final class Jca extends PublicKey {
        private final java.security.PublicKey jdkKey;
        private final String signatureAlgorithm;

        Jca(KeyType type, byte[] spki, String keyAlgorithm, String signatureAlgorithm) {
            super(type, spki.clone());
            this.signatureAlgorithm = signatureAlgorithm;
            try {
                jdkKey = KeyFactory.getInstance(keyAlgorithm).generatePublic(new X509EncodedKeySpec(spki));
            } catch (GeneralSecurityException e) {
                throw new KeyFormatException("invalid " + type + " public key (expected a DER SubjectPublicKeyInfo): " + e.getMessage(), e);
            }
        }

        @Override
        public boolean verify(byte[] data, byte[] signature) {
            try {
                Signature verifier = Signature.getInstance(signatureAlgorithm);
                verifier.initVerify(jdkKey);
                verifier.update(data);
                return verifier.verify(signature);
            } catch (GeneralSecurityException | RuntimeException e) {
                return false;
            }
        }
    }
}
