package io.github.p2pboot.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys and peer ids, checked against the vectors of peer-ids/peer-ids.md and RFC 8032. */
class IdentityTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final String ED25519_PRIVATE = "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    private static final String ED25519_PUBLIC = "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    private static final String SECP256K1_PUBLIC = "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99";
    private static final String ECDSA_PUBLIC = "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab44abf3161f162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62";

    @Test
    void specEd25519PrivateKeyDecodesAndReencodes() {
        PrivateKey key = PrivateKey.unmarshal(HEX.parseHex(ED25519_PRIVATE));

        assertThat(HEX.formatHex(key.marshal())).isEqualTo(ED25519_PRIVATE);
        assertThat(HEX.formatHex(key.publicKey().marshal())).isEqualTo(ED25519_PUBLIC);
        byte[] message = "libp2p".getBytes(StandardCharsets.UTF_8);
        assertThat(key.publicKey().verify(message, key.sign(message))).isTrue();
        assertThat(key.publicKey().verify(message, new byte[64])).isFalse();
    }

    @Test
    void specPublicKeysDecodeToTheirTypes() {
        assertThat(PublicKey.unmarshal(HEX.parseHex(ED25519_PUBLIC)).type()).isEqualTo(KeyType.ED25519);
        assertThat(PublicKey.unmarshal(HEX.parseHex(SECP256K1_PUBLIC)).type()).isEqualTo(KeyType.SECP256K1);
        PublicKey ecdsa = PublicKey.unmarshal(HEX.parseHex(ECDSA_PUBLIC));
        assertThat(ecdsa.type()).isEqualTo(KeyType.ECDSA);
        assertThat(HEX.formatHex(ecdsa.marshal())).isEqualTo(ECDSA_PUBLIC);
    }

    @Test
    void rfc8032Vector1GivesTheSamePublicKey() {
        PrivateKey key = PrivateKey.ed25519FromSeed(HEX.parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));

        assertThat(HEX.formatHex(key.publicKey().raw())).isEqualTo("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    }

    /** js-libp2p's generateKeyPairFromSeed('Ed25519', 00..01) printed this peer id. */
    @Test
    void seedGivesTheSamePeerIdAsJsLibp2p() {
        PrivateKey key = PrivateKey.ed25519FromSeed(HEX.parseHex("0000000000000000000000000000000000000000000000000000000000000001"));

        assertThat(key.peerId().toString()).isEqualTo("12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp");
    }

    @Test
    void smallKeysAreInlinedAndLargeOnesHashed() {
        PeerId ed25519 = PeerId.fromPublicKey(PublicKey.unmarshal(HEX.parseHex(ED25519_PUBLIC)));
        PeerId ecdsa = PeerId.fromPublicKey(PublicKey.unmarshal(HEX.parseHex(ECDSA_PUBLIC)));

        assertThat(ed25519.toString()).startsWith("12D3KooW");
        assertThat(ed25519.publicKey()).contains(PublicKey.unmarshal(HEX.parseHex(ED25519_PUBLIC)));
        assertThat(ecdsa.toString()).startsWith("Qm");
        assertThat(ecdsa.publicKey()).isEmpty();
        assertThat(PeerId.fromPublicKey(PublicKey.unmarshal(HEX.parseHex(SECP256K1_PUBLIC))).toString()).startsWith("16Uiu2");
    }

    @Test
    void cidFormParsesToTheSamePeer() {
        PeerId peer = PeerId.parse("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");

        assertThat(PeerId.parse(peer.toCidString())).isEqualTo(peer);
        assertThat(PeerId.parse("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe"))
                .isEqualTo(PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"));
    }

    @Test
    void malformedInputIsRefusedNamingTheProblem() {
        assertThatThrownBy(() -> PublicKey.unmarshal(HEX.parseHex("0801122001"))).isInstanceOf(KeyFormatException.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> PublicKey.unmarshal(HEX.parseHex("0807120100"))).hasMessageContaining("unknown key type 7");
        assertThatThrownBy(() -> PublicKey.unmarshal(HEX.parseHex("0801121f" + "00".repeat(31)))).hasMessageContaining("32 bytes, got 31");
        assertThatThrownBy(() -> PublicKey.unmarshal(HEX.parseHex("1201ff"))).hasMessageContaining("no Type field");
        assertThatThrownBy(() -> PeerId.parse("12D3KooW0OIl")).isInstanceOf(KeyFormatException.class).hasMessageContaining("base58");
        assertThatThrownBy(() -> PeerId.fromBytes(HEX.parseHex("1220abcd"))).hasMessageContaining("declares 32 digest bytes");
        assertThatThrownBy(() -> PeerId.parse("bafkqaaa")).hasMessageContaining("libp2p-key");
        assertThatThrownBy(() -> PrivateKey.unmarshal(HEX.parseHex(SECP256K1_PUBLIC))).hasMessageContaining("unsupported private key type");
    }

    @Test
    void privateKeyNeverPrintsItsMaterial() {
        PrivateKey key = PrivateKey.unmarshal(HEX.parseHex(ED25519_PRIVATE));

        assertThat(key.toString()).contains(key.peerId().toString()).doesNotContain("7e0830617c").doesNotContain("fgwwYXxKfeg");
    }

    @Test
    void keyFileKeepsTheIdentityAndIsLockedWhileOpen(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("node/identity.key");
        PeerId first;
        try (KeyFile keyFile = KeyFile.open(file)) {
            first = keyFile.privateKey().peerId();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThatThrownBy(() -> KeyFile.open(file)).isInstanceOf(KeyFileInUseException.class).hasMessageContaining(file.toString());
        }
        try (KeyFile reopened = KeyFile.open(file)) {
            assertThat(reopened.privateKey().peerId()).isEqualTo(first);
        }
    }

    @Test
    void keyFileReadableByOthersIsRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("identity.key");
        KeyFile.open(file).close();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> KeyFile.open(file)).hasMessageContaining("chmod 600");
    }

    @Test
    void corruptKeyFileIsRefusedWithoutItsContent(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("identity.key");
        Files.write(file, HEX.parseHex("08011203abcdef"));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        assertThatThrownBy(() -> KeyFile.open(file)).isInstanceOf(KeyFormatException.class)
                .hasMessageContaining(file.toString()).hasMessageNotContaining("abcdef");
    }
}
