package io.github.p2pboot.stream;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A handler that throws is a bug of the application's, worth a WARN; but a peer can trigger it on
 * every stream it opens, so the log gets the first failure of each protocol with its stack trace
 * and then one line a minute with the count.
 */
final class HandlerFailures {

    private static final Logger log = LoggerFactory.getLogger(HandlerFailures.class);
    private static final long PERIOD_NANOS = 60_000_000_000L;
    private static final Map<String, long[]> BY_PROTOCOL = new ConcurrentHashMap<>();

    private HandlerFailures() {
    }

    static void report(String protocol, Throwable failure) {
        long now = System.nanoTime();
        long[] state = BY_PROTOCOL.computeIfAbsent(protocol, p -> new long[] {now - PERIOD_NANOS - 1, 0});
        long suppressed;
        synchronized (state) {
            if (now - state[0] < PERIOD_NANOS) {
                state[1]++;
                return;
            }
            suppressed = state[1];
            state[0] = now;
            state[1] = 0;
        }
        if (suppressed == 0) {
            log.warn("Stream handler of {} failed; the stream is reset (further failures are summed up each minute)", protocol, failure);
        } else {
            log.warn("Stream handler of {} failed {} more times in the last minute; last: {}", protocol, suppressed + 1, failure.toString());
        }
    }
}
