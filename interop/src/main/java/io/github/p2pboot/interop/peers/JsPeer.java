package io.github.p2pboot.interop.peers;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A real js-libp2p node ({@code interop/peer.mjs}): a {@link PeerProcess} of
 * {@link Implementation#JS}, kept under its own name for the tests and benchmarks written
 * against it. Its failed commands throw {@link JsPeerException}.
 */
public final class JsPeer extends PeerProcess {

    JsPeer(Process process, Path logFile) {
        super(Implementation.JS, process, logFile);
    }

    public static JsPeer start() {
        return start(options());
    }

    /**
     * Starts the node and waits until it listens.
     *
     * @throws IllegalStateException if Node.js or the npm packages are missing, or the node does not
     *     come up; the message says what to do or where its log is
     */
    public static JsPeer start(Options options) {
        return (JsPeer) PeerProcess.start(Implementation.JS, options);
    }

    /**
     * One perf exchange run by the js node as the client ({@code /perf/1.0.0}; the js node serves
     * it only when started with the extra argument {@code --perf}).
     *
     * @param millis from opening the stream to its end, timed inside the js process
     */
    public record PerfRun(double millis, long uploaded, long downloaded) {
    }

    /** Uploads {@code upload} bytes to the perf server at {@code addressOrPeer}, then downloads {@code download} bytes. */
    public PerfRun perf(String addressOrPeer, long upload, long download, Duration timeout) {
        JsonNode result = call("perf", Map.of(addressOrPeer.startsWith("/") ? "addr" : "peerId", addressOrPeer,
                "upload", upload, "download", download, "timeoutMs", timeout.toMillis()), timeout.plusSeconds(5));
        return new PerfRun(result.get("ms").asDouble(), result.get("uploaded").asLong(), result.get("downloaded").asLong());
    }
}
