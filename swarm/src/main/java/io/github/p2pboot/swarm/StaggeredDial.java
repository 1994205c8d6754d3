package io.github.p2pboot.swarm;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Dials a peer's addresses concurrently, staggered in the style of Happy Eyeballs (RFC 8305): the
 * first address at once, each next one {@code stagger} later, or at once when every attempt so far
 * has failed. The first connection wins; attempts still running are abandoned, and one that
 * connects anyway is closed. If all fail, the error names every address's own failure.
 *
 * <p>So a dead address costs {@code stagger}, not a whole handshake timeout, and QUIC (listed
 * first) still wins whenever it works, TCP being the fallback where UDP does not get through.
 */
final class StaggeredDial {

    private final PeerId peer;
    private final List<Multiaddr> addresses;
    private final Function<Multiaddr, CompletableFuture<Connection>> dialOne;
    private final Duration stagger;
    private final ScheduledExecutorService scheduler;
    private final CompletableFuture<Connection> result = new CompletableFuture<>();
    private final Map<Multiaddr, Throwable> errors = new LinkedHashMap<>();
    private int started;
    private int failed;

    private StaggeredDial(PeerId peer, List<Multiaddr> addresses, Function<Multiaddr, CompletableFuture<Connection>> dialOne,
            Duration stagger, ScheduledExecutorService scheduler) {
        this.peer = peer;
        this.addresses = List.copyOf(addresses);
        this.dialOne = dialOne;
        this.stagger = stagger;
        this.scheduler = scheduler;
    }

    /**
     * @param addresses in order of preference, at least one
     * @param dialOne dials one address
     */
    static CompletableFuture<Connection> dial(PeerId peer, List<Multiaddr> addresses,
            Function<Multiaddr, CompletableFuture<Connection>> dialOne, Duration stagger, ScheduledExecutorService scheduler) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no address to dial for " + peer);
        }
        StaggeredDial dial = new StaggeredDial(peer, addresses, dialOne, stagger, scheduler);
        dial.startNext();
        return dial.result;
    }

    private void startNext() {
        Multiaddr address;
        synchronized (this) {
            if (result.isDone() || started == addresses.size()) {
                return;
            }
            address = addresses.get(started++);
        }
        if (started < addresses.size()) {
            scheduler.schedule(this::startNext, stagger.toMillis(), TimeUnit.MILLISECONDS);
        }
        CompletableFuture<Connection> attempt;
        try {
            attempt = dialOne.apply(address);
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        attempt.whenComplete((connection, error) -> finished(address, connection, error));
    }

    private void finished(Multiaddr address, Connection connection, Throwable error) {
        if (connection != null) {
            if (!result.complete(connection)) {
                // Another address won the race: this connection is surplus.
                connection.close();
            }
            return;
        }
        boolean allFailed;
        boolean moreToTry;
        synchronized (this) {
            errors.put(address, Futures.unwrap(error));
            failed++;
            allFailed = failed == addresses.size();
            moreToTry = failed == started && started < addresses.size();
        }
        if (allFailed) {
            Map<Multiaddr, Throwable> copy;
            synchronized (this) {
                copy = new LinkedHashMap<>(errors);
            }
            result.completeExceptionally(new DialFailedException(peer, copy));
        } else if (moreToTry) {
            // Every attempt so far failed: do not wait out the stagger.
            startNext();
        }
    }
}
