package io.github.p2pboot.security.tls;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PublicKey;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;

/**
 * Verifies a peer's libp2p TLS certificate and derives its peer id (spec {@code tls/tls.md}).
 */
public final class Libp2pCertificates {

    /** The libp2p public key extension, allocated by IANA to Protocol Labs. */
    public static final ASN1ObjectIdentifier EXTENSION_OID = new ASN1ObjectIdentifier("1.3.6.1.4.1.53594.1.1");

    private static final byte[] SIGNATURE_PREFIX = "libp2p-tls-handshake:".getBytes(StandardCharsets.US_ASCII);
    /** Critical extensions whose meaning is understood: the libp2p one and the X.509 basics. */
    private static final Set<String> UNDERSTOOD_CRITICAL = Set.of(EXTENSION_OID.getId(),
            "2.5.29.15" /* key usage */, "2.5.29.19" /* basic constraints */, "2.5.29.37" /* extended key usage */);

    private Libp2pCertificates() {
    }

    /**
     * Checks everything the spec requires of a peer's certificate chain.
     *
     * @return the peer id the certificate authenticates
     * @throws CertificateException naming what is wrong
     */
    public static PeerId verify(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length != 1) {
            throw new CertificateException("expected exactly one certificate, got " + (chain == null ? 0 : chain.length));
        }
        X509Certificate certificate = chain[0];
        certificate.checkValidity();
        try {
            certificate.verify(certificate.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new CertificateException("certificate self-signature does not verify: " + e.getMessage(), e);
        }
        Set<String> critical = certificate.getCriticalExtensionOIDs() == null ? Set.of() : new HashSet<>(certificate.getCriticalExtensionOIDs());
        critical.removeAll(UNDERSTOOD_CRITICAL);
        if (!critical.isEmpty()) {
            throw new CertificateException("certificate has critical extensions this node does not understand: " + critical);
        }
        byte[] extension = certificate.getExtensionValue(EXTENSION_OID.getId());
        if (extension == null) {
            throw new CertificateException("certificate has no libp2p public key extension (" + EXTENSION_OID + ")");
        }
        PublicKey hostKey;
        byte[] signature;
        try {
            ASN1Sequence signedKey = ASN1Sequence.getInstance(ASN1OctetString.getInstance(extension).getOctets());
            if (signedKey.size() != 2) {
                throw new CertificateException("libp2p extension must hold two fields, has " + signedKey.size());
            }
            hostKey = PublicKey.unmarshal(ASN1OctetString.getInstance(signedKey.getObjectAt(0)).getOctets());
            signature = ASN1OctetString.getInstance(signedKey.getObjectAt(1)).getOctets();
        } catch (IllegalArgumentException e) {
            throw new CertificateException("libp2p extension is malformed: " + e.getMessage(), e);
        }
        if (!hostKey.verify(signedPayload(certificate.getPublicKey().getEncoded()), signature)) {
            throw new CertificateException("libp2p extension signature does not verify with the " + hostKey.type()
                    + " host key it carries");
        }
        return PeerId.fromPublicKey(hostKey);
    }

    /** What the host key signs: the prefix and the certificate key's SubjectPublicKeyInfo. */
    static byte[] signedPayload(byte[] subjectPublicKeyInfo) {
        byte[] payload = new byte[SIGNATURE_PREFIX.length + subjectPublicKeyInfo.length];
        System.arraycopy(SIGNATURE_PREFIX, 0, payload, 0, SIGNATURE_PREFIX.length);
        System.arraycopy(subjectPublicKeyInfo, 0, payload, SIGNATURE_PREFIX.length, subjectPublicKeyInfo.length);
        return payload;
    }
}
