package io.github.p2pboot.interop;

import java.nio.file.Path;

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
}
