package io.github.p2pboot.swarm;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link Liveness} tells the swarm about a connection between "answers" and "closed": the
 * connection pool starts a parallel dial on {@link #suspect} and replaces the suspect connection
 * once a new one is up. Called on the connection's event loop; must not block.
 */
interface LivenessEvents {

    /**
     * Pings went unanswered in time (or no ping stream could be opened) and one more miss closes
     * the connection: with {@code failures} 3, after the second miss in a row. Probes go on.
     */
    void suspect(SwarmConnection connection, String why);

    /** A suspect connection answered a ping after all (late, or the next probe). */
    void recovered(SwarmConnection connection);

    /** Logs the events at DEBUG and does nothing else. */
    LivenessEvents DEBUG_LOG = new LivenessEvents() {
        private final Logger log = LoggerFactory.getLogger(Liveness.class);

        @Override
        public void suspect(SwarmConnection connection, String why) {
            log.debug("Connection {} is suspect: {}", connection, why);
        }

        @Override
        public void recovered(SwarmConnection connection) {
            log.debug("Connection {} answers again", connection);
        }
    };
}
