package io.github.p2pboot.security.tls;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PublicKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * Verifies a peer's libp2p TLS certificate and derives its peer id (spec {@code tls/tls.md}).
 *
 * <p>Certificates are parsed with BouncyCastle from their DER bytes, not by the JDK: rust-libp2p
 * issues certificates with empty issuer and subject names, which the spec allows and the JDK's
 * X.509 parser refuses.
 */
public final class Libp2pCertificates {

    /**
     * Certificates that passed {@link #verify}, by their exact DER bytes. Each handshake checks
     * the peer's certificate twice (the trust manager, then whoever asks whose it is), and a peer
     * presents the same certificate on every reconnection; its two signature checks cost about
     * 3 ms of pure-Java crypto, which this saves. Only verified certificates enter; the validity
     * period is checked on every hit.
     */
    private static final int VERIFIED_CACHE_SIZE = 256;
    private static final Map<ByteBuffer, Verified> VERIFIED = Collections.synchronizedMap(
            new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Verified> eldest) {
                    return size() > VERIFIED_CACHE_SIZE;
                }
            });

    private record Verified(PeerId peer, Date notBefore, Date notAfter) {
    }

    /** The libp2p public key extension, allocated by IANA to Protocol Labs. */
    public static final ASN1ObjectIdentifier EXTENSION_OID = new ASN1ObjectIdentifier("1.3.6.1.4.1.53594.1.1");

    private static final byte[] SIGNATURE_PREFIX = "libp2p-tls-handshake:".getBytes(StandardCharsets.US_ASCII);
    /** Critical extensions whose meaning is understood: the libp2p one and the X.509 basics. */
    private static final Set<ASN1ObjectIdentifier> UNDERSTOOD_CRITICAL = Set.of(EXTENSION_OID,
            Extension.keyUsage, Extension.basicConstraints, Extension.extendedKeyUsage);

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
        byte[] der;
        try {
            // Netty hands over lazily parsed certificates: getEncoded() returns the DER untouched.
            der = chain[0].getEncoded();
        } catch (CertificateEncodingException | RuntimeException e) {
            throw new CertificateException("cannot read the peer certificate: " + e.getMessage(), e);
        }
        return verify(der);
    }

    /**
     * Checks one DER-encoded certificate.
     *
     * @return the peer id the certificate authenticates
     * @throws CertificateException naming what is wrong
     */
    public static PeerId verify(byte[] der) throws CertificateException {
        Verified known = VERIFIED.get(ByteBuffer.wrap(der));
        if (known != null) {
            checkValidity(known.notBefore(), known.notAfter());
            return known.peer();
        }
        ParsedCertificate certificate = ParsedCertificate.parse(der);
        checkValidity(certificate.notBefore(), certificate.notAfter());
        PeerId peer = verifySignatures(certificate);
        VERIFIED.put(ByteBuffer.wrap(der.clone()), new Verified(peer, certificate.notBefore(), certificate.notAfter()));
        return peer;
    }

    private static void checkValidity(Date notBefore, Date notAfter) throws CertificateException {
        Date now = new Date();
        if (now.before(notBefore)) {
            throw new CertificateException("certificate is not valid before " + notBefore.toInstant());
        }
        if (now.after(notAfter)) {
            throw new CertificateException("certificate expired at " + notAfter.toInstant());
        }
    }

    private static PeerId verifySignatures(ParsedCertificate certificate) throws CertificateException {
        try {
            java.security.Signature verifier = java.security.Signature.getInstance(signatureAlgorithm(certificate.signatureAlgorithm()));
            verifier.initVerify(jdkKey(certificate.subjectPublicKeyInfo()));
            verifier.update(certificate.tbs());
            if (!verifier.verify(certificate.signature())) {
                throw new CertificateException("certificate self-signature does not verify");
            }
        } catch (java.security.GeneralSecurityException | java.io.IOException | RuntimeException e) {
            if (e instanceof CertificateException ce) {
                throw ce;
            }
            throw new CertificateException("certificate self-signature cannot be checked: " + e.getMessage(), e);
        }
        Extensions extensions = certificate.extensions();
        Set<ASN1ObjectIdentifier> critical = new HashSet<>(List.of(extensions.getCriticalExtensionOIDs()));
        critical.removeAll(UNDERSTOOD_CRITICAL);
        if (!critical.isEmpty()) {
            throw new CertificateException("certificate has critical extensions this node does not understand: " + critical);
        }
        Extension extension = extensions.getExtension(EXTENSION_OID);
        if (extension == null) {
            throw new CertificateException("certificate has no libp2p public key extension (" + EXTENSION_OID + ")");
        }
        PublicKey hostKey;
        byte[] signature;
        try {
            ASN1Sequence signedKey = ASN1Sequence.getInstance(extension.getExtnValue().getOctets());
            if (signedKey.size() != 2) {
                throw new CertificateException("libp2p extension must hold two fields, has " + signedKey.size());
            }
            hostKey = PublicKey.unmarshal(ASN1OctetString.getInstance(signedKey.getObjectAt(0)).getOctets());
            signature = ASN1OctetString.getInstance(signedKey.getObjectAt(1)).getOctets();
        } catch (IllegalArgumentException e) {
            throw new CertificateException("libp2p extension is malformed: " + e.getMessage(), e);
        }
        byte[] spki;
        try {
            spki = certificate.subjectPublicKeyInfo().getEncoded();
        } catch (java.io.IOException e) {
            throw new CertificateException("certificate public key cannot be encoded: " + e.getMessage(), e);
        }
        if (!hostKey.verify(signedPayload(spki), signature)) {
            throw new CertificateException("libp2p extension signature does not verify with the " + hostKey.type()
                    + " host key it carries");
        }
        return PeerId.fromPublicKey(hostKey);
    }

    private static String signatureAlgorithm(ASN1ObjectIdentifier oid) throws java.security.NoSuchAlgorithmException {
        if (X9ObjectIdentifiers.ecdsa_with_SHA256.equals(oid)) {
            return "SHA256withECDSA";
        } else if (X9ObjectIdentifiers.ecdsa_with_SHA384.equals(oid)) {
            return "SHA384withECDSA";
        } else if (X9ObjectIdentifiers.ecdsa_with_SHA512.equals(oid)) {
            return "SHA512withECDSA";
        } else if (PKCSObjectIdentifiers.sha256WithRSAEncryption.equals(oid)) {
            return "SHA256withRSA";
        } else if (PKCSObjectIdentifiers.sha384WithRSAEncryption.equals(oid)) {
            return "SHA384withRSA";
        } else if (PKCSObjectIdentifiers.sha512WithRSAEncryption.equals(oid)) {
            return "SHA512withRSA";
        } else if (EdECObjectIdentifiers.id_Ed25519.equals(oid)) {
            return "Ed25519";
        }
        // SHA-1 and MD5 signatures are refused, as the spec requires.
        throw new java.security.NoSuchAlgorithmException("unsupported certificate signature algorithm " + oid);
    }

    /** The certificate key as a JDK key; BouncyCastle's JCA lookup by OID finds no JDK key factory. */
    private static java.security.PublicKey jdkKey(SubjectPublicKeyInfo spki) throws java.security.GeneralSecurityException, java.io.IOException {
        ASN1ObjectIdentifier algorithm = spki.getAlgorithm().getAlgorithm();
        String name;
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm)) {
            name = "EC";
        } else if (PKCSObjectIdentifiers.rsaEncryption.equals(algorithm)) {
            name = "RSA";
        } else if (EdECObjectIdentifiers.id_Ed25519.equals(algorithm)) {
            name = "Ed25519";
        } else {
            throw new java.security.NoSuchAlgorithmException("unsupported certificate key algorithm " + algorithm);
        }
        return java.security.KeyFactory.getInstance(name).generatePublic(new java.security.spec.X509EncodedKeySpec(spki.getEncoded()));
    }

    /** What the host key signs: the prefix and the certificate key's SubjectPublicKeyInfo. */
    static byte[] signedPayload(byte[] subjectPublicKeyInfo) {
        byte[] payload = new byte[SIGNATURE_PREFIX.length + subjectPublicKeyInfo.length];
        System.arraycopy(SIGNATURE_PREFIX, 0, payload, 0, SIGNATURE_PREFIX.length);
        System.arraycopy(subjectPublicKeyInfo, 0, payload, SIGNATURE_PREFIX.length, subjectPublicKeyInfo.length);
        return payload;
    }
}
