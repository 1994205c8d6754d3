package io.github.p2pboot.resource;

import io.github.p2pboot.swarm.Direction;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One established connection's share of the {@link ResourceManager}: its streams and the memory
 * buffered for the connection itself. Closed once, when the connection closes.
 */
public final class ConnectionScope implements MemoryBudget {

    final ResourceManager manager;
    final ResourceManager.PeerScope peer;
    final Direction direction;
    final InetAddress host;
    final InetAddress subnet;
    final boolean exempt;
    /** Bytes reserved by the connection and its streams; guarded by the manager's lock. */
    long memory;
    /** Bytes reserved by the connection itself; guarded by the manager's lock. */
    long ownMemory;
    private final AtomicBoolean open = new AtomicBoolean(true);

    ConnectionScope(ResourceManager manager, ResourceManager.PeerScope peer, Direction direction, InetAddress host,
            InetAddress subnet, boolean exempt) {
        this.manager = manager;
        this.peer = peer;
        this.direction = direction;
        this.host = host;
        this.subnet = subnet;
        this.exempt = exempt;
    }

    /**
     * Takes a stream from the node's and the peer's counts.
     *
     * @throws ResourceLimitException if either is at its limit
     */
    public StreamScope openStream() {
        return manager.openStream(this);
    }

    @Override
    public boolean reserve(long bytes) {
        return manager.reserve(null, this, bytes);
    }

    @Override
    public void release(long bytes) {
        manager.release(null, this, bytes);
    }

    /** Gives back the connection's count and memory; later calls do nothing. */
    public void close() {
        if (open.compareAndSet(true, false)) {
            manager.release(null, this, Long.MAX_VALUE);
            manager.closeConnection(this);
        }
    }
}
