package io.github.p2pboot.protocol.perf;

import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.ProtocolHandler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The libp2p perf protocol ({@code perf/perf.md}), for measuring throughput between libp2p
 * implementations. The client opens a stream, sends how many bytes it wants back as a big-endian
 * unsigned 64-bit number, uploads any number of bytes and ends its side; the server reads to that
 * end, then sends the bytes asked for and ends the stream.
 *
 * <p>The spec says a node should not serve it by default, since it lets a peer make the server do
 * work: the swarm serves it only when {@link io.github.p2pboot.swarm.SwarmConfig#perf()} is set.
 * Even then it is bounded: the server discards what it reads as it arrives, counts it, and resets
 * a stream whose upload or request goes beyond its limit; it sends only as fast as the peer takes
 * the bytes (it writes while the stream is writable and waits otherwise), so a client that asks
 * for much and reads slowly costs it the stream's flow-control window, not memory.
 */
public final class Perf {

    public static final String PROTOCOL_ID = "/perf/1.0.0";

    /** The most one perf stream may upload, or ask to download, unless the handler says otherwise: 64 GiB. */
    public static final long DEFAULT_MAX_BYTES = 64L << 30;

    private Perf() {
    }

    /** Serves {@value #PROTOCOL_ID} with the {@link #DEFAULT_MAX_BYTES} limit per direction and stream. */
    public static ProtocolHandler handler() {
        return handler(DEFAULT_MAX_BYTES);
    }

    /**
     * Serves {@value #PROTOCOL_ID}; a stream that uploads more than {@code maxBytes}, or asks for
     * more than that back, is reset.
     */
    public static ProtocolHandler handler(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative, got " + maxBytes);
        }
        return new PerfServer(maxBytes);
    }

    /**
     * Runs one perf exchange with the peer of {@code connection} on a new stream: uploads
     * {@code uploadBytes}, then receives {@code downloadBytes}. The result's time runs from opening
     * the stream to its end, as the spec measures. It fails if the stream ends early or the peer
     * sends a different number of bytes. Add a deadline with {@code orTimeout}; a stream idle
     * for the transport's stream idle timeout is reset in any case.
     */
    public static CompletableFuture<Result> run(Connection connection, long uploadBytes, long downloadBytes) {
        if (uploadBytes < 0 || downloadBytes < 0) {
            throw new IllegalArgumentException("byte counts must not be negative, got upload " + uploadBytes + ", download " + downloadBytes);
        }
        return PerfClient.run(connection, uploadBytes, downloadBytes);
    }

    /**
     * What one perf exchange moved and how long it took.
     *
     * @param uploaded bytes sent to the server, after the 8-byte request
     * @param downloaded bytes received from the server
     * @param elapsed from opening the stream to its end
     */
    public record Result(long uploaded, long downloaded, Duration elapsed) {

        /** Payload bytes both ways per second of {@link #elapsed()}, in MiB. */
        public double mibPerSecond() {
            return (uploaded + downloaded) / (1024.0 * 1024.0) / (elapsed.toNanos() / 1e9);
        }
    }
}
