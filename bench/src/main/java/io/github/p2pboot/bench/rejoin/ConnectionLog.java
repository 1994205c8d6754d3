package io.github.p2pboot.bench.rejoin;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.swarm.CloseCause;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.SwarmListener;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records when (System.nanoTime) each connection of a swarm opened and closed, and why it closed. */
final class ConnectionLog implements SwarmListener {

    record Closed(String connectionId, PeerId peer, long nanos, CloseCause cause) {
    }

    private final List<Closed> closed = new CopyOnWriteArrayList<>();

    @Override
    public void connectionClosed(Connection connection, CloseCause cause, int remaining) {
        closed.add(new Closed(connection.id(), connection.remotePeer(), System.nanoTime(), cause));
    }

    /** The first close among {@code connectionIds}, if one has closed. */
    Optional<Closed> firstClosed(Collection<String> connectionIds) {
        return closed.stream().filter(c -> connectionIds.contains(c.connectionId())).findFirst();
    }
}
