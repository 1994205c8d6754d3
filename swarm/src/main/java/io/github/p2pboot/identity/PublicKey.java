package io.github.p2pboot.identity;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
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
 *
 * <p>Keys come from peers, so {@link #unmarshal} bounds them before anything else is done with
 * them: the protobuf is at most {@value #MAX_PROTOBUF_BYTES} bytes, Ed25519 and Secp256k1 keys have
 * their fixed sizes, an ECDSA key is at most {@value #MAX_ECDSA_DATA_BYTES} bytes (a P-521 key), and
 * an RSA key, as in go-libp2p and rust-libp2p, has a modulus of {@value #MIN_RSA_MODULUS_BITS} to
 * {@value #MAX_RSA_MODULUS_BITS} bits and an odd public exponent of at least 3 and at most
 * {@value #MAX_RSA_EXPONENT_BITS} bits. A huge exponent or modulus would make every signature
 * check a peer asks of us expensive; real keys use 65537.
 */
public abstract class PublicKey {

    public static final int MIN_RSA_MODULUS_BITS = 2048;
    public static final int MAX_RSA_MODULUS_BITS = 8192;
    /**
     * go-libp2p refuses exponents over 2^31 - 1 (Go's crypto/rsa), ring (rust-libp2p) over 2^33 - 1;
     * 32 bits sits between them and admits every key either accepts in practice (65537).
     */
    public static final int MAX_RSA_EXPONENT_BITS = 32;
    /**
     * The DER SubjectPublicKeyInfo of an 8192-bit modulus with a 32-bit exponent is 1,064 bytes;
     * the margin admits a non-minimal length encoding, nothing that could hold a larger key.
     */
    static final int MAX_RSA_DATA_BYTES = 1100;
    /** The uncompressed P-521 SubjectPublicKeyInfo, the largest curve go-libp2p accepts. */
    static final int MAX_ECDSA_DATA_BYTES = 158;
    /** The largest key's Data with its Type field, tags and length. */
    public static final int MAX_PROTOBUF_BYTES = MAX_RSA_DATA_BYTES + 8;

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
        if (protobuf.length > MAX_PROTOBUF_BYTES) {
            throw new KeyFormatException("public key protobuf has " + protobuf.length + " bytes; at most "
                    + MAX_PROTOBUF_BYTES + " allowed (an " + MAX_RSA_MODULUS_BITS + "-bit RSA key)");
        }
        KeyProtobuf decoded = KeyProtobuf.decode(protobuf, "public key");
        return switch (decoded.type()) {
            case ED25519 -> new Ed25519(decoded.data());
            case SECP256K1 -> new Secp256k1(decoded.data());
            case ECDSA -> {
                if (decoded.data().length > MAX_ECDSA_DATA_BYTES) {
                    throw new KeyFormatException("ECDSA public key has " + decoded.data().length + " bytes; at most "
                            + MAX_ECDSA_DATA_BYTES + " allowed (a P-521 key)");
                }
                yield new Jca(KeyType.ECDSA, decoded.data(), "EC", "SHA256withECDSA");
            }
            case RSA -> new Jca(KeyType.RSA, checkRsa(decoded.data()), "RSA", "SHA256withRSA");
        };
    }

    /**
     * Checks an RSA SubjectPublicKeyInfo against the bounds of the class comment before the JDK
     * sees it, which would accept, for instance, a 3,070-bit exponent next to a 3,072-bit modulus.
     *
     * @return {@code spki}, unchanged
     */
    static byte[] checkRsa(byte[] spki) {
        if (spki.length > MAX_RSA_DATA_BYTES) {
            throw new KeyFormatException("RSA public key has " + spki.length + " bytes; at most " + MAX_RSA_DATA_BYTES
                    + " allowed (an " + MAX_RSA_MODULUS_BITS + "-bit modulus)");
        }
        SubjectPublicKeyInfo info;
        try {
            info = SubjectPublicKeyInfo.getInstance(ASN1Primitive.fromByteArray(spki));
        } catch (IOException | RuntimeException e) {
            throw new KeyFormatException("invalid RSA public key (expected a DER SubjectPublicKeyInfo): " + e.getMessage(), e);
        }
        if (!PKCSObjectIdentifiers.rsaEncryption.equals(info.getAlgorithm().getAlgorithm())) {
            throw new KeyFormatException("RSA public key has algorithm " + info.getAlgorithm().getAlgorithm() + ", not rsaEncryption");
        }
        RSAPublicKey key;
        try {
            key = RSAPublicKey.getInstance(info.parsePublicKey());
        } catch (IOException | RuntimeException e) {
            throw new KeyFormatException("invalid RSA public key (expected a PKCS#1 RSAPublicKey): " + e.getMessage(), e);
        }
        BigInteger modulus = key.getModulus();
        BigInteger exponent = key.getPublicExponent();
        if (modulus.bitLength() < MIN_RSA_MODULUS_BITS) {
            throw new KeyFormatException("RSA modulus has " + modulus.bitLength() + " bits; at least " + MIN_RSA_MODULUS_BITS + " required");
        }
        if (modulus.bitLength() > MAX_RSA_MODULUS_BITS) {
            throw new KeyFormatException("RSA modulus has " + modulus.bitLength() + " bits; at most " + MAX_RSA_MODULUS_BITS + " allowed");
        }
        if (exponent.bitLength() > MAX_RSA_EXPONENT_BITS) {
            throw new KeyFormatException("RSA public exponent has " + exponent.bitLength() + " bits; at most "
                    + MAX_RSA_EXPONENT_BITS + " allowed");
        }
        if (exponent.compareTo(BigInteger.valueOf(3)) < 0 || !exponent.testBit(0)) {
            throw new KeyFormatException("RSA public exponent " + exponent + " is not an odd number of at least 3");
        }
        if (!modulus.testBit(0)) {
            throw new KeyFormatException("RSA modulus is even");
        }
        return spki;
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
