package io.github.p2pboot.security.tls;

import io.netty.handler.ssl.util.SimpleTrustManagerFactory;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts exactly the certificates libp2p TLS defines: self-signed, with a valid libp2p public key
 * extension. Used on both sides; which peer id a certificate belongs to is read after the
 * handshake with {@link Libp2pCertificates#verify}.
 */
public final class Libp2pTrustManager extends X509ExtendedTrustManager {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Libp2pTrustManager.class);

    public static final Libp2pTrustManager INSTANCE = new Libp2pTrustManager();

    private Libp2pTrustManager() {
    }

    /** A factory handing out {@link #INSTANCE}, the shape TLS engines such as Netty's QUIC take. */
    public static TrustManagerFactory trustManagerFactory() {
        return new SimpleTrustManagerFactory() {
            @Override
            protected void engineInit(KeyStore keyStore) {
            }

            @Override
            protected void engineInit(ManagerFactoryParameters parameters) {
            }

            @Override
            protected TrustManager[] engineGetTrustManagers() {
                return new TrustManager[] {INSTANCE};
            }
        };
    }

    /** Verifies and logs why a peer's certificate was refused: the TLS alert only says that it was. */
    private static void check(X509Certificate[] chain) throws CertificateException {
        try {
            Libp2pCertificates.verify(chain);
        } catch (CertificateException e) {
            log.debug("Refusing a peer certificate: {}", e.getMessage());
            throw e;
        } catch (RuntimeException e) {
            log.debug("Refusing a peer certificate that cannot be read: {}", e.toString());
            throw new CertificateException("cannot read the peer certificate: " + e.getMessage(), e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
