package io.github.p2pboot.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.fuzzing.AllocationMeter;
import io.github.p2pboot.fuzzing.Fuzz;
import io.github.p2pboot.fuzzing.Gen;
import io.github.p2pboot.fuzzing.Mutator;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.sec.SECNamedCurves;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes what a peer's key and id arrive as: the public-key protobuf ({@link PublicKey#unmarshal},
 * over {@link KeyProtobuf}) in the Noise payload and identify, the binary peer id (a multihash) in
 * multiaddrs and Kademlia, and its text forms. Only {@link KeyFormatException} may escape, naming
 * what is wrong; whatever is accepted encodes back to what was read and derives a consistent peer id.
 */
class KeyProtobufFuzzTest {

    private static final AtomicInteger TRIES = new AtomicInteger();
    private static final List<byte[]> VALID_KEYS = validKeys();

    @Test
    void publicKeysDecodeOrAreRefusedWithAReason() {
        Fuzz.forAll(publicKeys(), input -> {
            AllocationMeter meter = AllocationMeter.start();
            PublicKey key;
            try {
                key = PublicKey.unmarshal(input.bytes());
            } catch (KeyFormatException e) {
                assertThat(e.getMessage()).isNotBlank().containsAnyOf("public key", "key type", "Ed25519", "Secp256k1", "ECDSA", "RSA");
                assertThat(meter.withinBudget(input.bytes().length, TRIES)).isTrue();
                return;
            }
            assertThat(meter.withinBudget(input.bytes().length, TRIES)).isTrue();
            assertThat(PublicKey.unmarshal(key.marshal())).isEqualTo(key);
            PeerId id = PeerId.fromPublicKey(key);
            assertThat(id.matches(key)).isTrue();
            assertThat(PeerId.fromBytes(id.toBytes())).isEqualTo(id);
            assertThat(PeerId.parse(id.toBase58())).isEqualTo(id);
            assertThat(PeerId.parse(id.toCidString())).isEqualTo(id);
            id.publicKey().ifPresent(inlined -> assertThat(inlined).isEqualTo(key));
            assertThat(key.verify("data".getBytes(StandardCharsets.UTF_8), input.bytes())).isFalse();
        });
    }

    @Test
    void binaryPeerIdsDecodeOrAreRefusedWithAReason() {
        Fuzz.forAll(peerIds(), input -> {
            PeerId id;
            try {
                id = PeerId.fromBytes(input.bytes());
            } catch (KeyFormatException e) {
                assertThat(e.getMessage()).isNotBlank().containsAnyOf("peer id", "multihash");
                return;
            }
            assertThat(id.toBytes()).isEqualTo(input.bytes());
            assertThat(PeerId.parse(id.toBase58())).isEqualTo(id);
            assertThat(PeerId.parse(id.toCidString())).isEqualTo(id);
            try {
                id.publicKey().ifPresent(key -> assertThat(PeerId.fromPublicKey(key)).isEqualTo(id));
            } catch (KeyFormatException e) {
                // An identity multihash of bytes that are no key: a valid id, but no key to get from it.
                assertThat(e.getMessage()).containsAnyOf("public key", "key type", "Ed25519", "Secp256k1", "ECDSA", "RSA");
            }
        });
    }

    @Test
    void textPeerIdsParseOrAreRefusedWithAReason() {
        Fuzz.forAll(peerIdTexts(), input -> {
            String text = new String(input.bytes(), StandardCharsets.UTF_8);
            PeerId id;
            try {
                id = PeerId.parse(text);
            } catch (KeyFormatException e) {
                assertThat(e.getMessage()).isNotBlank().containsAnyOf("peer id");
                return;
            }
            assertThat(PeerId.parse(id.toBase58())).isEqualTo(id);
            assertThat(PeerId.fromBytes(id.toBytes())).isEqualTo(id);
        });
    }

    Gen<Mutator.Input> publicKeys() {
        return Mutator.inputs(Gen.of(VALID_KEYS));
    }

    Gen<Mutator.Input> peerIds() {
        return Mutator.inputs(Gen.of(VALID_KEYS).map(k -> PeerId.fromPublicKey(PublicKey.unmarshal(k)).toBytes()));
    }

    Gen<Mutator.Input> peerIdTexts() {
        return Mutator.inputs(Gen.of(VALID_KEYS).flatMap(k -> {
            PeerId id = PeerId.fromPublicKey(PublicKey.unmarshal(k));
            return Gen.of(id.toBase58(), id.toCidString());
        }).map(s -> s.getBytes(StandardCharsets.UTF_8)));
    }

    /** One key of each type, in the protobuf encoding peers send. */
    private static List<byte[]> validKeys() {
        try {
            List<byte[]> keys = new ArrayList<>();
            keys.add(PrivateKey.generateEd25519().publicKey().marshal());
            var curve = SECNamedCurves.getByName("secp256k1");
            byte[] point = curve.getG().multiply(new java.math.BigInteger(255, new SecureRandom())).normalize().getEncoded(true);
            keys.add(new KeyProtobuf(KeyType.SECP256K1, point).encode());
            KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
            ec.initialize(256);
            keys.add(new KeyProtobuf(KeyType.ECDSA, ec.generateKeyPair().getPublic().getEncoded()).encode());
            KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
            rsa.initialize(2048);
            keys.add(new KeyProtobuf(KeyType.RSA, rsa.generateKeyPair().getPublic().getEncoded()).encode());
            return keys;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
