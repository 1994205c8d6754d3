package io.github.p2pboot.security.tls;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * This node's libp2p TLS certificate (spec {@code tls/tls.md}): self-signed by a fresh ECDSA
 * P-256 key unrelated to the host key, carrying the libp2p public key extension in which the host
 * key vouches for the certificate key.
 */
public final class TlsIdentity {

    /** The certificate's validity starts an hour back, tolerating peers whose clocks lag. */
    private static final Duration CLOCK_SKEW = Duration.ofHours(1);
    private static final Duration VALIDITY = Duration.ofDays(365L * 100);

    private final X509Certificate certificate;
    private final java.security.PrivateKey certificateKey;
    private final PeerId peerId;

    private TlsIdentity(X509Certificate certificate, java.security.PrivateKey certificateKey, PeerId peerId) {
        this.certificate = certificate;
        this.certificateKey = certificateKey;
        this.peerId = peerId;
    }

    public static TlsIdentity generate(PrivateKey hostKey) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair certificateKeys = generator.generateKeyPair();
            byte[] spki = certificateKeys.getPublic().getEncoded();

            ASN1EncodableVector signedKey = new ASN1EncodableVector();
            signedKey.add(new DEROctetString(hostKey.publicKey().marshal()));
            signedKey.add(new DEROctetString(hostKey.sign(Libp2pCertificates.signedPayload(spki))));

            Instant now = Instant.now();
            X500Name name = new X500Name("SN=" + hostKey.peerId());
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(64, new SecureRandom()), Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(VALIDITY)),
                    name, certificateKeys.getPublic());
            // Critical, as go- and rust-libp2p mark it: a verifier that does not know it must refuse.
            builder.addExtension(Libp2pCertificates.EXTENSION_OID, true, new DERSequence(signedKey));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(certificateKeys.getPrivate())));
            return new TlsIdentity(certificate, certificateKeys.getPrivate(), hostKey.peerId());
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot create the libp2p TLS certificate", e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** The certificate's own key (not the host key): TLS signs the handshake with it. */
    public java.security.PrivateKey certificateKey() {
        return certificateKey;
    }

    public PeerId peerId() {
        return peerId;
    }

    @Override
    public String toString() {
        return "TlsIdentity[" + peerId + "]";
    }
}
