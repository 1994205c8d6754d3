package io.github.p2pboot.swarm;

import io.github.p2pboot.protocol.ping.Ping;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pings every connection each keep-alive interval. The pings keep an idle connection from
 * reaching the QUIC idle timeout, and a peer that stops answering them within an interval is
 * treated as gone: its connection is closed at once instead of lingering until the idle timeout.
 */
final class KeepAlive implements SwarmListener {

    private static final Logger log = LoggerFactory.getLogger(KeepAlive.class);

    private final Duration interval;

    KeepAlive(Duration interval) {
        this.interval = interval;
    }

    @Override
    public void connectionOpened(Connection connection, int established) {
        SwarmConnection swarmConnection = (SwarmConnection) connection;
        long millis = interval.toMillis();
        ScheduledFuture<?> task = swarmConnection.muxed().eventLoop()
                .scheduleWithFixedDelay(() -> ping(swarmConnection), millis, millis, TimeUnit.MILLISECONDS);
        connection.closeFuture().whenComplete((cause, e) -> task.cancel(false));
    }

    /** Pings {@code connection} now; fails if no answer comes within the interval. */
    CompletableFuture<Duration> probe(SwarmConnection connection) {
        return Ping.ping(connection).orTimeout(interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void ping(SwarmConnection connection) {
        if (!connection.isOpen()) {
            return;
        }
        Ping.ping(connection).orTimeout(interval.toMillis(), TimeUnit.MILLISECONDS).whenComplete((rtt, error) -> {
            if (error == null) {
                return;
            }
            Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
            if (cause instanceof TimeoutException && connection.isOpen()) {
                log.debug("Peer {} did not answer a keep-alive ping within {} ms: closing {}", connection.remotePeer(), interval.toMillis(), connection);
                connection.close(new CloseCause(CloseCause.Kind.KEEP_ALIVE_TIMEOUT,
                        "no answer to a keep-alive ping within " + interval.toMillis() + " ms"));
            } else {
                log.debug("Keep-alive ping on {} failed: {}", connection, cause.toString());
            }
        });
    }
}
