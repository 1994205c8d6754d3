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
 */
public record TcpSettings(boolean enabled, Duration handshakeTimeout, int maxStreams) {

    public static final TcpSettings DEFAULTS = new TcpSettings(true, Duration.ofSeconds(10), 256);

    /** TCP neither dialled nor listened on. */
    public static final TcpSettings DISABLED = new TcpSettings(false, DEFAULTS.handshakeTimeout(), DEFAULTS.maxStreams());

    /**
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public TcpSettings {
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        QuicSettings.requirePositive("handshakeTimeout", handshakeTimeout);
        if (maxStreams < 1) {
            throw new IllegalArgumentException("maxStreams must be at least 1, got " + maxStreams);
        }
    }
}
