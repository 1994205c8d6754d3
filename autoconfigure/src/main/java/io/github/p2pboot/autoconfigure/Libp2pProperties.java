package io.github.p2pboot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** The {@code libp2p.*} settings of the node. */
@ConfigurationProperties("libp2p")
public class Libp2pProperties {

    /** Whether to run a libp2p node. */
    private boolean enabled = true;

    private final Identity identity = new Identity();

    /** Multiaddrs to listen on; port 0 picks a free port. */
    private List<String> listen = new ArrayList<>(List.of("/ip4/0.0.0.0/udp/4001/quic-v1"));

    private final Quic quic = new Quic();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Identity getIdentity() {
        return identity;
    }

    public List<String> getListen() {
        return listen;
    }

    public void setListen(List<String> listen) {
        this.listen = listen;
    }

    public Quic getQuic() {
        return quic;
    }

    public static class Identity {

        /** File holding the node's private key (libp2p protobuf format); created with owner-only permissions when missing. */
        private Path keyFile = Path.of(".libp2p", "identity.key");

        /** Use a fresh in-memory identity instead of the key file: a new peer id at every start. */
        private boolean ephemeral;

        public Path getKeyFile() {
            return keyFile;
        }

        public void setKeyFile(Path keyFile) {
            this.keyFile = keyFile;
        }

        public boolean isEphemeral() {
            return ephemeral;
        }

        public void setEphemeral(boolean ephemeral) {
            this.ephemeral = ephemeral;
        }
    }

    public static class Quic {

        /** A connection that receives nothing for this long is closed (the smaller of both peers' values applies). */
        private Duration maxIdleTimeout = Duration.ofSeconds(10);

        /** How often an idle connection is pinged; must be shorter than max-idle-timeout. */
        private Duration keepAliveInterval = Duration.ofSeconds(5);

        /** How long a dial may take to finish the QUIC and TLS handshake. */
        private Duration handshakeTimeout = Duration.ofSeconds(10);

        /** How many concurrent streams a peer may open on one connection. */
        private int maxStreams = 256;

        public Duration getMaxIdleTimeout() {
            return maxIdleTimeout;
        }

        public void setMaxIdleTimeout(Duration maxIdleTimeout) {
            this.maxIdleTimeout = maxIdleTimeout;
        }

        public Duration getKeepAliveInterval() {
            return keepAliveInterval;
        }

        public void setKeepAliveInterval(Duration keepAliveInterval) {
            this.keepAliveInterval = keepAliveInterval;
        }

        public Duration getHandshakeTimeout() {
            return handshakeTimeout;
        }

        public void setHandshakeTimeout(Duration handshakeTimeout) {
            this.handshakeTimeout = handshakeTimeout;
        }

        public int getMaxStreams() {
            return maxStreams;
        }

        public void setMaxStreams(int maxStreams) {
            this.maxStreams = maxStreams;
        }
    }
}
