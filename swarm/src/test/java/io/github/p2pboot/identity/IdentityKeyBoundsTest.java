package io.github.p2pboot.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Random;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.Test;

/** Public keys from peers are bounded before any signature check: RSA sizes and exponents, ECDSA and protobuf sizes. */
class IdentityKeyBoundsTest {

    private static final byte[] MESSAGE = "libp2p".getBytes(StandardCharsets.UTF_8);
    private static final Random RANDOM = new Random(9);

    @Test
    void normal2048BitRsaKeyVerifiesItsSignature() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(pair.getPrivate());
        signer.update(MESSAGE);
        byte[] signature = signer.sign();

        PublicKey key = PublicKey.unmarshal(protobuf(KeyType.RSA, pair.getPublic().getEncoded()));

        assertThat(key.type()).isEqualTo(KeyType.RSA);
        assertThat(key.verify(MESSAGE, signature)).isTrue();
        assertThat(key.verify("other".getBytes(StandardCharsets.UTF_8), signature)).isFalse();
        assertThat(PeerId.fromPublicKey(key).toString()).startsWith("Qm");
    }

    @Test
    void rsaKeyWithAHugePublicExponentIsRefused() {
        byte[] spki = rsa(modulus(3072), BigInteger.ONE.shiftLeft(3069).setBit(0));

        assertThatThrownBy(() -> PublicKey.unmarshal(protobuf(KeyType.RSA, spki))).isInstanceOf(KeyFormatException.class)
                .hasMessage("RSA public exponent has 3070 bits; at most 32 allowed");
    }

    @Test
    void rsaExponentOfThirtyThreeBitsIsRefusedAndOfThirtyTwoAccepted() {
        BigInteger largestAllowed = BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE);

        assertThat(PublicKey.unmarshal(protobuf(KeyType.RSA, rsa(modulus(2048), largestAllowed))).type()).isEqualTo(KeyType.RSA);
        assertThatThrownBy(() -> PublicKey.unmarshal(protobuf(KeyType.RSA, rsa(modulus(2048), largestAllowed.add(BigInteger.TWO)))))
                .hasMessage("RSA public exponent has 33 bits; at most 32 allowed");
    }

    @Test
    void rsaExponentThatIsEvenOrBelowThreeIsRefused() {
        assertThatThrownBy(() -> PublicKey.unmarshal(protobuf(KeyType.RSA, rsa(modulus(2048), BigInteger.valueOf(65536)))))
                .hasMessage("RSA public exponent 65536 is not an odd number of at least 3");
        assertThatThrownBy(() -> PublicKey.unmarshal(protobuf(KeyType.RSA, rsa(modulus(2048), BigInteger.ONE))))
                .hasMessage("RSA public exponent 1 is not an odd number of at least 3");
    }

    @Test
    void rsaModulusOf1024BitsIsRefused() {
        assertThatThrownBy(() -> PublicKey.unmarshal(protobuf(KeyType.RSA, rsa(modulus(1024), BigInteger.valueOf(65537)))))
                .isInstanceOf(KeyFormatException.class).hasMessage("RSA modulus has 1024 bits; at least 2048 required");
    }

    @Test
    void rsaModulusOver8192BitsIsRefused() {
        assertThatThrownBy(() -> PublicKey.unmarshal(protobuf(KeyType.RSA, rsa(modulus(8200), BigInteger.valueOf(65537)))))
                .hasMessage("RSA modulus has 8200 bits; at most 8192 allowed");
        // 16384 bits do not even fit the protobuf bound: refused before any DER is parsed.
        byte[] huge = protobuf(KeyType.RSA, rsa(modulus(16384), BigInteger.valueOf(65537)));
        assertThatThrownBy(() -> PublicKey.unmarshal(huge)).isInstanceOf(KeyFormatException.class)
                .hasMessage("public key protobuf has " + huge.length + " bytes; at most 1108 allowed (an 8192-bit RSA key)");
        assertThatThrownBy(() -> PublicKey.checkRsa(rsa(modulus(16384), BigInteger.valueOf(65537))))
                .hasMessageContaining("RSA public key has 2").hasMessageEndingWith("bytes; at most 1100 allowed (an 8192-bit modulus)");
    }

    @Test
    void largestAllowedRsaKeyFitsTheByteBounds() {
        byte[] spki = rsa(modulus(8192), BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE));

        assertThat(spki).hasSize(1064);
        assertThat(spki.length).isLessThanOrEqualTo(PublicKey.MAX_RSA_DATA_BYTES);
        assertThat(protobuf(KeyType.RSA, spki).length).isLessThanOrEqualTo(PublicKey.MAX_PROTOBUF_BYTES);
        assertThat(PublicKey.unmarshal(protobuf(KeyType.RSA, spki)).type()).isEqualTo(KeyType.RSA);
    }

    @Test
    void rsaDataThatIsNotAnRsaKeyIsRefusedNamingWhy() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        byte[] ecSpki = generator.generateKeyPair().getPublic().getEncoded();

        assertThatThrownBy(() -> PublicKey.unmarshal(protobuf(KeyType.RSA, ecSpki)))
                .hasMessage("RSA public key has algorithm 1.2.840.10045.2.1, not rsaEncryption");
        assertThatThrownBy(() -> PublicKey.unmarshal(protobuf(KeyType.RSA, new byte[] {0x30, 0x03, 0x02})))
                .hasMessageStartingWith("invalid RSA public key (expected a DER SubjectPublicKeyInfo)");
    }

    @Test
    void ecdsaKeysUpToP521AreAcceptedAndLargerDataRefused() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp521r1"));
        KeyPair pair = generator.generateKeyPair();
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(pair.getPrivate());
        signer.update(MESSAGE);
        byte[] spki = pair.getPublic().getEncoded();

        assertThat(spki).hasSize(158);
        assertThat(PublicKey.unmarshal(protobuf(KeyType.ECDSA, spki)).verify(MESSAGE, signer.sign())).isTrue();
        assertThatThrownBy(() -> PublicKey.unmarshal(protobuf(KeyType.ECDSA, new byte[159])))
                .isInstanceOf(KeyFormatException.class).hasMessage("ECDSA public key has 159 bytes; at most 158 allowed (a P-521 key)");
    }

    private static BigInteger modulus(int bits) {
        return new BigInteger(bits, RANDOM).setBit(bits - 1).setBit(0);
    }

    private static byte[] rsa(BigInteger modulus, BigInteger exponent) {
        try {
            return new SubjectPublicKeyInfo(new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
                    new RSAPublicKey(modulus, exponent)).getEncoded("DER");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] protobuf(KeyType type, byte[] data) {
        return new KeyProtobuf(type, data).encode();
    }
}
