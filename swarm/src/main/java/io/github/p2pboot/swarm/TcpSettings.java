package io.github.p2pboot.swarm;

import java.time.Duration;
import java.util.Objects;

/**
 * The TCP transport's settings. A TCP connection is upgraded in three steps, each negotiated with
 * multistream-select: Noise secures it, then Yamux multiplexes streams over it.
 *
 * @param enabled whether the node dials and listens on TCP at all
 * @param handshakeTimeout how long the whole upgrade (TCP connect, Noise, Yamux) may take
 * @param maxStreams how many concurrent streams a peer may open on one connection
 * @param liveness how TCP connections are pinged so that a silent peer is noticed (TCP itself
 *     would notice only after minutes of retransmissions)
 * @param streams the idle and message deadlines of the connections' streams
 */
public record TcpSettings(boolean enabled, Duration handshakeTimeout, int maxStreams, LivenessSettings liveness,
        StreamSettings streams) {

    public static final TcpSettings DEFAULTS = new TcpSettings(true, Duration.ofSeconds(10), 256, LivenessSettings.TCP_DEFAULTS);

    /** TCP neither dialled nor listened on. */
    public static final TcpSettings DISABLED = new TcpSettings(false, DEFAULTS.handshakeTimeout(), DEFAULTS.maxStreams(), DEFAULTS.liveness());

    /** With the {@linkplain StreamSettings#DEFAULTS default} stream deadlines. */
    public TcpSettings(boolean enabled, Duration handshakeTimeout, int maxStreams, LivenessSettings liveness) {
        this(enabled, handshakeTimeout, maxStreams, liveness, StreamSettings.DEFAULTS);
    }

    /** These settings with other liveness settings. */
    public TcpSettings withLiveness(LivenessSettings liveness) {
        return new TcpSettings(enabled, handshakeTimeout, maxStreams, liveness, streams);
    }

    /** These settings with other stream deadlines. */
    public TcpSettings withStreams(StreamSettings streams) {
        return new TcpSettings(enabled, handshakeTimeout, maxStreams, liveness, streams);
    }

    /**
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public TcpSettings {
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(liveness, "liveness");
        Objects.requireNonNull(streams, "streams");
        QuicSettings.requirePositive("handshakeTimeout", handshakeTimeout);
        if (maxStreams < 1) {
            throw new IllegalArgumentException("maxStreams must be at least 1, got " + maxStreams);
        }
    }
}
