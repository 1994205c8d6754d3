package io.github.p2pboot.security.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.p2pboot.identity.PrivateKey;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateException;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class Libp2pCertificatesTest {

    /** The valid certificates of tls/tls.md's test vectors, with the peer ids they authenticate. */
    @ParameterizedTest
    @CsvSource({
        "308201ae30820156a0030201020204499602d2300a06082a8648ce3d040302302031123010060355040a13096c69627032702e696f310a300806035504051301313020170d3735303130313133303030305a180f34303936303130313133303030305a302031123010060355040a13096c69627032702e696f310a300806035504051301313059301306072a8648ce3d020106082a8648ce3d030107034200040c901d423c831ca85e27c73c263ba132721bb9d7a84c4f0380b2a6756fd601331c8870234dec878504c174144fa4b14b66a651691606d8173e55bd37e381569ea37c307a3078060a2b0601040183a25a0101046a3068042408011220a77f1d92fedb59dddaea5a1c4abd1ac2fbde7d7b879ed364501809923d7c11b90440d90d2769db992d5e6195dbb08e706b6651e024fda6cfb8846694a435519941cac215a8207792e42849cccc6cd8136c6e4bde92a58c5e08cfd4206eb5fe0bf909300a06082a8648ce3d0403020346003043021f50f6b6c52711a881778718238f650c9fb48943ae6ee6d28427dc6071ae55e702203625f116a7a454db9c56986c82a25682f7248ea1cb764d322ea983ed36a31b77, 12D3KooWM6CgA9iBFZmcYAHA6A2qvbAxqfkmrYiRQuz3XEsk4Ksv",
        "308201f63082019da0030201020204499602d2300a06082a8648ce3d040302302031123010060355040a13096c69627032702e696f310a300806035504051301313020170d3735303130313133303030305a180f34303936303130313133303030305a302031123010060355040a13096c69627032702e696f310a300806035504051301313059301306072a8648ce3d020106082a8648ce3d030107034200040c901d423c831ca85e27c73c263ba132721bb9d7a84c4f0380b2a6756fd601331c8870234dec878504c174144fa4b14b66a651691606d8173e55bd37e381569ea381c23081bf3081bc060a2b0601040183a25a01010481ad3081aa045f0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004bf30511f909414ebdd3242178fd290f093a551cf75c973155de0bb5a96fedf6cb5d52da7563e794b512f66e60c7f55ba8a3acf3dd72a801980d205e8a1ad29f2044730450220064ea8124774caf8f50e57f436aa62350ce652418c019df5d98a3ac666c9386a022100aa59d704a931b5f72fb9222cb6cc51f954d04a4e2e5450f8805fe8918f71eaae300a06082a8648ce3d04030203470030440220799395b0b6c1e940a7e4484705f610ab51ed376f19ff9d7c16757cfbf61b8d4302206205c03fbb0f95205c779be86581d3e31c01871ad5d1f3435bcf375cb0e5088a, QmfXbAwNjJLXfesgztEHe8HwgVDCMMpZ9Eax1HYq6hn9uE",
        "308201ba3082015fa0030201020204499602d2300a06082a8648ce3d040302302031123010060355040a13096c69627032702e696f310a300806035504051301313020170d3735303130313133303030305a180f34303936303130313133303030305a302031123010060355040a13096c69627032702e696f310a300806035504051301313059301306072a8648ce3d020106082a8648ce3d030107034200040c901d423c831ca85e27c73c263ba132721bb9d7a84c4f0380b2a6756fd601331c8870234dec878504c174144fa4b14b66a651691606d8173e55bd37e381569ea38184308181307f060a2b0601040183a25a01010471306f0425080212210206dc6968726765b820f050263ececf7f71e4955892776c0970542efd689d2382044630440220145e15a991961f0d08cd15425bb95ec93f6ffa03c5a385eedc34ecf464c7a8ab022026b3109b8a3f40ef833169777eb2aa337cfb6282f188de0666d1bcec2a4690dd300a06082a8648ce3d0403020349003046022100e1a217eeef9ec9204b3f774a08b70849646b6a1e6b8b27f93dc00ed58545d9fe022100b00dafa549d0f03547878338c7b15e7502888f6d45db387e5ae6b5d46899cef0, 16Uiu2HAkutTMoTzDw1tCvSRtu6YoixJwS46S1ZFxW8hSx9fWHiPs"
    })
    void specVectorsAuthenticateTheirPeerIds(String certificateHex, String peerId) throws Exception {
        assertThat(Libp2pCertificates.verify(HexFormat.of().parseHex(certificateHex)).toString()).isEqualTo(peerId);
    }

    @Test
    void specInvalidVectorIsRefused() {
        byte[] invalid = HexFormat.of().parseHex("308201f73082019da0030201020204499602d2300a06082a8648ce3d040302302031123010060355040a13096c69627032702e696f310a300806035504051301313020170d3735303130313133303030305a180f34303936303130313133303030305a302031123010060355040a13096c69627032702e696f310a300806035504051301313059301306072a8648ce3d020106082a8648ce3d030107034200040c901d423c831ca85e27c73c263ba132721bb9d7a84c4f0380b2a6756fd601331c8870234dec878504c174144fa4b14b66a651691606d8173e55bd37e381569ea381c23081bf3081bc060a2b0601040183a25a01010481ad3081aa045f0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004bf30511f909414ebdd3242178fd290f093a551cf75c973155de0bb5a96fedf6cb5d52da7563e794b512f66e60c7f55ba8a3acf3dd72a801980d205e8a1ad29f204473045022100bb6e03577b7cc7a3cd1558df0da2b117dfdcc0399bc2504ebe7de6f65cade72802206de96e2a5be9b6202adba24ee0362e490641ac45c240db71fe955f2c5cf8df6e300a06082a8648ce3d0403020348003045022100e847f267f43717358f850355bdcabbefb2cfbf8a3c043b203a14788a092fe8db022027c1d04a2d41fd6b57a7e8b3989e470325de4406e52e084e34a3fd56eef0d0df");

        assertThatThrownBy(() -> Libp2pCertificates.verify(invalid))
                .isInstanceOf(CertificateException.class).hasMessageContaining("signature does not verify");
    }

    @Test
    void ourCertificateRoundTrips() throws Exception {
        PrivateKey hostKey = PrivateKey.generateEd25519();
        TlsIdentity identity = TlsIdentity.generate(hostKey);

        assertThat(Libp2pCertificates.verify(new java.security.cert.X509Certificate[] {identity.certificate()}))
                .isEqualTo(hostKey.peerId());
        assertThat(identity.certificate().getCriticalExtensionOIDs()).contains(Libp2pCertificates.EXTENSION_OID.getId());
    }

    /**
     * A certificate made by rust-libp2p's libp2p-tls 0.6.2 (inside js-libp2p's QUIC transport),
     * captured from a handshake: its issuer and subject names are empty, which the JDK's X.509
     * parser refuses and the spec allows.
     */
    @Test
    void rustLibp2pCertificateWithEmptyNamesIsAccepted() throws Exception {
        byte[] der = HexFormat.of().parseHex("3082018230820129a0030201020214544f7fbd11e1ddf104e41823683b201bbcb769a1300a06082a8648ce3d04030230003020170d3735303130313030303030305a180f34303936303130313030303030305a30003059301306072a8648ce3d020106082a8648ce3d03010703420004aafb97d5216ed6d86987b1cd75254fa213b3a7a9fcc4fb6b87ce249b82e23148daa6b8e6d35e5b18468b3e672ab0abdf4343642ed6a0ee25d71355ed81494508a37f307d307b060a2b0601040183a25a01010101ff046a3068042408011220f2e68222df231f9262322ca46c833b963bb4cafd79dec48b730708cb5b4d92e704407982dba922c467c27059c281bf670e73b85f34176f29b738df70d839efb811bcd65d213cfc29ef3535acdd7552bc3d4ff1e7fe7db4c58887fb2a785fd61ffe05300a06082a8648ce3d04030203470030440220543ce6b12840bd8f2c576d528ff786419c852728c31f4b832d830317958194a502201952002660944d672faf88481471fd6be4233ce88aa61492ea9815eed4cd66e8");
        io.github.p2pboot.identity.PeerId expected = io.github.p2pboot.identity.PeerId.fromPublicKey(
                io.github.p2pboot.identity.PublicKey.unmarshal(HexFormat.of().parseHex("08011220f2e68222df231f9262322ca46c833b963bb4cafd79dec48b730708cb5b4d92e7")));

        assertThat(Libp2pCertificates.verify(der)).isEqualTo(expected);
    }

    @Test
    void expiredCertificateIsRefused() throws Exception {
        byte[] der = certificate(PrivateKey.generateEd25519(), new X500Name("CN=x"), new Date(System.currentTimeMillis() - 1000));

        assertThatThrownBy(() -> Libp2pCertificates.verify(der)).hasMessageContaining("expired");
    }

    @Test
    void aCertificateOnceAcceptedDoesNotVouchForAnAlteredCopy() throws Exception {
        PrivateKey hostKey = PrivateKey.generateEd25519();
        byte[] der = TlsIdentity.generate(hostKey).certificate().getEncoded();
        assertThat(Libp2pCertificates.verify(der)).isEqualTo(hostKey.peerId());

        // Accepted certificates are remembered by their exact bytes: a copy with one byte of its
        // signature changed is checked in full, and refused.
        byte[] altered = der.clone();
        altered[altered.length - 1] ^= 0x01;

        assertThatThrownBy(() -> Libp2pCertificates.verify(altered)).isInstanceOf(CertificateException.class);
        assertThat(Libp2pCertificates.verify(der)).isEqualTo(hostKey.peerId());
    }

    @Test
    void chainOfTwoIsRefused() {
        var certificate = TlsIdentity.generate(PrivateKey.generateEd25519()).certificate();

        assertThatThrownBy(() -> Libp2pCertificates.verify(new java.security.cert.X509Certificate[] {certificate, certificate}))
                .hasMessageContaining("exactly one certificate, got 2");
    }

    @Test
    void garbageIsRefused() {
        assertThatThrownBy(() -> Libp2pCertificates.verify(new byte[] {0x30, 0x03, 0x01, 0x02}))
                .isInstanceOf(CertificateException.class).hasMessageContaining("not valid DER");
    }

    private static byte[] certificate(PrivateKey hostKey, X500Name name, Date notAfter) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = generator.generateKeyPair();
        ASN1EncodableVector signedKey = new ASN1EncodableVector();
        signedKey.add(new DEROctetString(hostKey.publicKey().marshal()));
        signedKey.add(new DEROctetString(hostKey.sign(Libp2pCertificates.signedPayload(keys.getPublic().getEncoded()))));
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(name, BigInteger.TEN,
                new Date(System.currentTimeMillis() - 7_200_000), notAfter, name,
                SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()));
        builder.addExtension(Libp2pCertificates.EXTENSION_OID, true, new DERSequence(signedKey));
        return builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())).getEncoded();
    }
}
