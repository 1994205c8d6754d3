package io.github.p2pboot.swarm;

import java.time.Duration;
import java.util.Objects;

/**
 * How a transport's connections are checked for a live peer: every {@code interval} one libp2p
 * ping goes out on a ping stream kept open for the connection; a ping not answered within its
 * timeout marks the connection suspect and sends the next probe at once; {@code failures} misses
 * in a row close the connection ({@link CloseCause.Kind#KEEP_ALIVE_TIMEOUT}).
 *
 * <p>The timeout of each ping is not a setting: it follows the round-trip time measured on the
 * connection, {@code clamp(2·srtt + 4·rttvar + retransmit allowance, minPingTimeout, interval)},
 * where the allowance is 25 ms on QUIC (the peer's max_ack_delay in the probe timeout) and 200 ms
 * on TCP (Linux's minimum retransmission timeout). That leaves room for the transport to resend a
 * lost ping or echo once before the ping counts as missed; docs/reconnection.md explains it.
 *
 * @param interval how often an idle connection is pinged; also keeps a QUIC connection from its
 *     idle timeout, so on QUIC it must be shorter than {@code maxIdleTimeout}
 * @param minPingTimeout the floor of the per-ping timeout; on a short path (loopback, a LAN) the
 *     measured timeout is below it, and then the floor decides how fast a vanished peer is noticed
 * @param failures how many pings in a row may go unanswered before the connection is closed, 1 to
 *     {@value #MAX_FAILURES}; the first miss only raises a suspicion, which a late answer clears
 */
public record LivenessSettings(Duration interval, Duration minPingTimeout, int failures) {

    /** The most misses in a row a connection may be given (each is a ping kept waiting for a late echo). */
    public static final int MAX_FAILURES = 10;

    /**
     * QUIC's defaults: a ping a second; a vanished peer on a short path is suspected 60 ms after
     * the ping it does not answer and its connection closed 180 ms after it (three misses).
     */
    public static final LivenessSettings QUIC_DEFAULTS = new LivenessSettings(Duration.ofSeconds(1), Duration.ofMillis(60), 3);

    /**
     * TCP's defaults, the same as QUIC's. A peer whose process dies is noticed at once on TCP (its
     * kernel ends the connection); the pings find peers that vanish without a word, and on TCP
     * each waits at least 200 ms (the minimum retransmission timeout), so such a peer's connection
     * is closed about 600 ms after the ping it does not answer.
     */
    public static final LivenessSettings TCP_DEFAULTS = new LivenessSettings(Duration.ofSeconds(1), Duration.ofMillis(60), 3);

    /**
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public LivenessSettings {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(minPingTimeout, "minPingTimeout");
        // Not QuicSettings.requirePositive: QuicSettings' defaults are built from ours, and the
        // two classes' initialisers must not wait on each other.
        if (interval.isNegative() || interval.isZero() || minPingTimeout.isNegative() || minPingTimeout.isZero()) {
            throw new IllegalArgumentException("interval and minPingTimeout must be positive, got " + interval + " and " + minPingTimeout);
        }
        if (minPingTimeout.compareTo(interval) > 0) {
            throw new IllegalArgumentException("minPingTimeout (" + minPingTimeout + ") must not be longer than the ping interval ("
                    + interval + "): the timeout of a ping is capped at the interval");
        }
        if (failures < 1 || failures > MAX_FAILURES) {
            throw new IllegalArgumentException("failures must be from 1 to " + MAX_FAILURES + ", got " + failures);
        }
    }

    /** These settings with another ping interval. */
    public LivenessSettings withInterval(Duration interval) {
        return new LivenessSettings(interval, minPingTimeout, failures);
    }
}
