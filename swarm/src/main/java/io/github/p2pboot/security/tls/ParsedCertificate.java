package io.github.p2pboot.security.tls;

import java.io.IOException;
import java.security.cert.CertificateException;
import java.text.ParseException;
import java.util.Date;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.ASN1UTCTime;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * The fields of an X.509 certificate that libp2p TLS checks, read straight from its ASN.1. Both
 * the JDK and BouncyCastle's certificate classes refuse the empty issuer and subject names that
 * rust-libp2p uses; names carry no meaning in libp2p, so they are skipped here.
 */
record ParsedCertificate(byte[] tbs, ASN1ObjectIdentifier signatureAlgorithm, byte[] signature, Date notBefore, Date notAfter,
        SubjectPublicKeyInfo subjectPublicKeyInfo, Extensions extensions) {

    static ParsedCertificate parse(byte[] der) throws CertificateException {
        try {
            ASN1Sequence certificate = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(der));
            if (certificate.size() != 3) {
                throw new CertificateException("certificate must have 3 fields, has " + certificate.size());
            }
            ASN1Sequence tbs = ASN1Sequence.getInstance(certificate.getObjectAt(0));
            AlgorithmIdentifier signatureAlgorithm = AlgorithmIdentifier.getInstance(certificate.getObjectAt(1));
            byte[] signature = DERBitString.getInstance(certificate.getObjectAt(2)).getOctets();

            // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, spki, ..., [3] extensions
            int i = tbs.getObjectAt(0) instanceof ASN1TaggedObject ? 1 : 0;
            ASN1Sequence validity = ASN1Sequence.getInstance(tbs.getObjectAt(i + 3));
            SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(tbs.getObjectAt(i + 5));
            Extensions extensions = null;
            for (int j = i + 6; j < tbs.size(); j++) {
                ASN1TaggedObject tagged = ASN1TaggedObject.getInstance(tbs.getObjectAt(j));
                if (tagged.getTagNo() == 3) {
                    extensions = Extensions.getInstance(tagged.getExplicitBaseObject());
                }
            }
            if (extensions == null) {
                throw new CertificateException("certificate has no extensions, so no libp2p public key extension");
            }
            return new ParsedCertificate(tbs.getEncoded(ASN1Encoding.DER), signatureAlgorithm.getAlgorithm(), signature,
                    time(validity.getObjectAt(0)), time(validity.getObjectAt(1)), spki, extensions);
        } catch (IOException | ParseException | RuntimeException e) {
            throw new CertificateException("certificate is not valid DER X.509: " + e.getMessage(), e);
        }
    }

    private static Date time(ASN1Encodable value) throws ParseException {
        return value instanceof ASN1UTCTime utc ? utc.getAdjustedDate() : ASN1GeneralizedTime.getInstance(value).getDate();
    }
}
