package io.github.p2pboot.swarm;

import java.time.Duration;
import java.util.Objects;

/**
 * The QUIC transport's connection settings.
 *
 * @param maxIdleTimeout a connection that receives nothing for this long is closed; the effective
 *     value is the smaller of both peers' (rust- and js-libp2p default to 10 s)
 * @param keepAliveInterval how often an otherwise idle connection is pinged so that it stays open
 *     and a silent peer is noticed; must be shorter than {@code maxIdleTimeout}
 * @param handshakeTimeout how long a dial may take to complete the QUIC and TLS handshake
 * @param maxStreams how many concurrent bidirectional streams a peer may open on one connection
 */
public record QuicSettings(Duration maxIdleTimeout, Duration keepAliveInterval, Duration handshakeTimeout, int maxStreams) {

    public static final QuicSettings DEFAULTS =
            new QuicSettings(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(10), 256);

    /**
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public QuicSettings {
        Objects.requireNonNull(maxIdleTimeout, "maxIdleTimeout");
        Objects.requireNonNull(keepAliveInterval, "keepAliveInterval");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        requirePositive("maxIdleTimeout", maxIdleTimeout);
        requirePositive("keepAliveInterval", keepAliveInterval);
        requirePositive("handshakeTimeout", handshakeTimeout);
        if (keepAliveInterval.compareTo(maxIdleTimeout) >= 0) {
            throw new IllegalArgumentException("keepAliveInterval (" + keepAliveInterval
                    + ") must be shorter than maxIdleTimeout (" + maxIdleTimeout + "), or idle connections time out between pings");
        }
        if (maxStreams < 1) {
            throw new IllegalArgumentException("maxStreams must be at least 1, got " + maxStreams);
        }
    }

    static void requirePositive(String name, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
