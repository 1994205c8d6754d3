package io.github.p2pboot.swarm;

import java.time.Duration;
import java.util.Objects;

/**
 * The QUIC transport's connection settings.
 *
 * @param maxIdleTimeout a connection that receives nothing for this long is closed; the effective
 *     value is the smaller of both peers' (rust- and js-libp2p default to 10 s)
 * @param liveness how connections are pinged so that they stay open and a silent peer is noticed;
 *     its interval must be shorter than {@code maxIdleTimeout}
 * @param handshakeTimeout how long a dial may take to complete the QUIC and TLS handshake
 * @param maxStreams how many concurrent bidirectional streams a peer may open on one connection
 * @param streams the idle and message deadlines of the connections' streams
 */
public record QuicSettings(Duration maxIdleTimeout, LivenessSettings liveness, Duration handshakeTimeout, int maxStreams,
        StreamSettings streams) {

    public static final QuicSettings DEFAULTS =
            new QuicSettings(Duration.ofSeconds(10), LivenessSettings.QUIC_DEFAULTS, Duration.ofSeconds(10), 256);

    /** With the {@linkplain StreamSettings#DEFAULTS default} stream deadlines. */
    public QuicSettings(Duration maxIdleTimeout, LivenessSettings liveness, Duration handshakeTimeout, int maxStreams) {
        this(maxIdleTimeout, liveness, handshakeTimeout, maxStreams, StreamSettings.DEFAULTS);
    }

    /**
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public QuicSettings {
        Objects.requireNonNull(maxIdleTimeout, "maxIdleTimeout");
        Objects.requireNonNull(liveness, "liveness");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(streams, "streams");
        requirePositive("maxIdleTimeout", maxIdleTimeout);
        requirePositive("handshakeTimeout", handshakeTimeout);
        if (liveness.interval().compareTo(maxIdleTimeout) >= 0) {
            throw new IllegalArgumentException("the ping interval (" + liveness.interval()
                    + ") must be shorter than maxIdleTimeout (" + maxIdleTimeout + "), or idle connections time out between pings");
        }
        if (maxStreams < 1) {
            throw new IllegalArgumentException("maxStreams must be at least 1, got " + maxStreams);
        }
    }

    /** These settings with other liveness settings. */
    public QuicSettings withLiveness(LivenessSettings liveness) {
        return new QuicSettings(maxIdleTimeout, liveness, handshakeTimeout, maxStreams, streams);
    }

    /** These settings with other stream deadlines. */
    public QuicSettings withStreams(StreamSettings streams) {
        return new QuicSettings(maxIdleTimeout, liveness, handshakeTimeout, maxStreams, streams);
    }

    static void requirePositive(String name, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
