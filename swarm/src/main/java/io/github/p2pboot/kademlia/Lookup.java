package io.github.p2pboot.kademlia;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.kademlia.pb.DhtProto.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One iterative Kademlia lookup: ask the alpha closest known peers, learn closer ones from their
 * answers, and go on until the k closest peers known have all answered, nobody is left to ask, the
 * caller has what it wanted, or the query timeout runs out (then it returns what it has, marked
 * timed out). Peers that fail or answer garbage are reported and skipped; the lookup goes on.
 */
final class Lookup {

    /** Candidates kept at most, so that peers answering with floods of ids cannot grow it. */
    static final int MAX_CANDIDATES = 1000;

    private enum State { WAITING, IN_FLIGHT, SUCCEEDED, FAILED }

    private static final class Candidate {
        final PeerId peer;
        final Key key;
        final int depth;
        State state = State.WAITING;

        Candidate(PeerId peer, Key key, int depth) {
            this.peer = peer;
            this.key = key;
            this.depth = depth;
        }
    }

    /** The lookup's end: the closest peers that answered, and how it went. */
    record Outcome(List<PeerId> closest, boolean timedOut, boolean stoppedEarly, int rounds, Duration duration) {
    }

    private final Key target;
    private final PeerId self;
    private final int k;
    private final int alpha;
    private final Function<PeerId, CompletableFuture<Message>> ask;
    private final BiPredicate<PeerId, Message> onAnswer;
    private final Consumer<PeerId> onFailure;
    private final Function<Message.Peer, PeerId> learn;
    private final List<Candidate> candidates = new ArrayList<>();
    private final Map<PeerId, Candidate> byPeer = new HashMap<>();
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final long startNanos = System.nanoTime();
    private int inFlight;
    private ScheduledFuture<?> timeout;

    /**
     * @param ask sends this lookup's request to a peer
     * @param onAnswer sees every answer; returns true when the lookup has what it wanted
     * @param onFailure told of a peer that failed to answer or answered garbage
     * @param learn records a peer (and its addresses) from an answer; null to skip an invalid one
     */
    Lookup(byte[] key, PeerId self, List<PeerId> seeds, int k, int alpha, Function<PeerId, CompletableFuture<Message>> ask,
            BiPredicate<PeerId, Message> onAnswer, Consumer<PeerId> onFailure, Function<Message.Peer, PeerId> learn) {
        this.target = Key.of(key);
        this.self = self;
        this.k = k;
        this.alpha = alpha;
        this.ask = ask;
        this.onAnswer = onAnswer;
        this.onFailure = onFailure;
        this.learn = learn;
        seeds.forEach(seed -> add(seed, 1));
    }

    CompletableFuture<Outcome> run(ScheduledExecutorService scheduler, Duration queryTimeout) {
        timeout = scheduler.schedule(() -> finish(true, false), queryTimeout.toMillis(), TimeUnit.MILLISECONDS);
        step();
        return outcome;
    }

    private synchronized void add(PeerId peer, int depth) {
        if (peer.equals(self) || byPeer.containsKey(peer) || candidates.size() >= MAX_CANDIDATES) {
            return;
        }
        Candidate candidate = new Candidate(peer, Key.of(peer.toBytes()), depth);
        int index = 0;
        while (index < candidates.size() && Key.compareDistance(target, candidates.get(index).key, candidate.key) < 0) {
            index++;
        }
        candidates.add(index, candidate);
        byPeer.put(peer, candidate);
    }

    private void step() {
        List<Candidate> toAsk = new ArrayList<>();
        synchronized (this) {
            if (outcome.isDone()) {
                return;
            }
            // Done when the k closest peers still in the running have all answered.
            int counted = 0;
            boolean closestAnswered = true;
            for (Candidate c : candidates) {
                if (c.state == State.FAILED) {
                    continue;
                }
                if (c.state != State.SUCCEEDED) {
                    closestAnswered = false;
                    break;
                }
                if (++counted >= k) {
                    break;
                }
            }
            if (closestAnswered && inFlight == 0) {
                finish(false, false);
                return;
            }
            for (Candidate c : candidates) {
                if (inFlight + toAsk.size() >= alpha) {
                    break;
                }
                if (c.state == State.WAITING) {
                    c.state = State.IN_FLIGHT;
                    toAsk.add(c);
                }
            }
            inFlight += toAsk.size();
            if (toAsk.isEmpty() && inFlight == 0) {
                finish(false, false);
                return;
            }
        }
        for (Candidate c : toAsk) {
            ask.apply(c.peer).whenComplete((answer, error) -> answered(c, answer, error));
        }
    }

    private void answered(Candidate candidate, Message answer, Throwable error) {
        boolean stop = false;
        synchronized (this) {
            inFlight--;
            if (outcome.isDone()) {
                return;
            }
            candidate.state = error == null && answer != null ? State.SUCCEEDED : State.FAILED;
        }
        if (candidate.state == State.FAILED) {
            onFailure.accept(candidate.peer);
        } else {
            int learned = 0;
            for (Message.Peer peer : answer.getCloserPeersList()) {
                // A peer may send more than k: only the first 2k are considered.
                if (++learned > 2 * k) {
                    break;
                }
                PeerId id = learn.apply(peer);
                if (id != null) {
                    add(id, candidate.depth + 1);
                }
            }
            stop = onAnswer.test(candidate.peer, answer);
        }
        if (stop) {
            finish(false, true);
        } else {
            step();
        }
    }

    private synchronized void finish(boolean timedOut, boolean stoppedEarly) {
        if (outcome.isDone()) {
            return;
        }
        if (timeout != null) {
            timeout.cancel(false);
        }
        List<PeerId> closest = new ArrayList<>();
        int rounds = 0;
        for (Candidate c : candidates) {
            if (c.state == State.SUCCEEDED) {
                rounds = Math.max(rounds, c.depth);
                if (closest.size() < k) {
                    closest.add(c.peer);
                }
            }
        }
        outcome.complete(new Outcome(closest, timedOut, stoppedEarly, rounds, Duration.ofNanos(System.nanoTime() - startNanos)));
    }
}
