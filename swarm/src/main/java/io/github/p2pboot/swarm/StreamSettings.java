package io.github.p2pboot.swarm;

import java.time.Duration;
import java.util.Objects;

/**
 * Deadlines for the streams of one transport's connections, so that a peer cannot keep a stream,
 * or a half-sent message on it, and the memory they hold, for as long as it likes.
 *
 * @param idleTimeout a negotiated stream on which nothing was read or written for this long is
 *     reset; {@link Duration#ZERO} for never (long-lived quiet streams, such as a pubsub mesh's).
 *     Liveness's kept ping stream carries a ping every interval, so it is not idle unless the
 *     interval is longer than this
 * @param messageTimeout a length-prefixed message (identify, Kademlia) of which part has arrived
 *     for longer than this is abandoned: its stream is reset and its buffer freed
 */
public record StreamSettings(Duration idleTimeout, Duration messageTimeout) {

    /** One minute idle; ten seconds for a message to arrive whole. */
    public static final StreamSettings DEFAULTS = new StreamSettings(Duration.ofSeconds(60), Duration.ofSeconds(10));

    /**
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public StreamSettings {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(messageTimeout, "messageTimeout");
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idleTimeout must not be negative, got " + idleTimeout);
        }
        // Not QuicSettings.requirePositive: QuicSettings' defaults are built from ours, and the
        // two classes' initialisers must not wait on each other.
        if (messageTimeout.isNegative() || messageTimeout.isZero()) {
            throw new IllegalArgumentException("messageTimeout must be positive, got " + messageTimeout);
        }
    }

    /** These settings with another idle timeout. */
    public StreamSettings withIdleTimeout(Duration idleTimeout) {
        return new StreamSettings(idleTimeout, messageTimeout);
    }

    /** These settings with another message timeout. */
    public StreamSettings withMessageTimeout(Duration messageTimeout) {
        return new StreamSettings(idleTimeout, messageTimeout);
    }
}
