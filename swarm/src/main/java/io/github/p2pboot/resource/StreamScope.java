package io.github.p2pboot.resource;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One stream's share of the {@link ResourceManager}: the memory it may buffer, counted against its
 * connection, peer and the node too, and, once negotiated, a place in its protocol's count for the
 * peer. Closed once, when the stream closes, giving back whatever it still holds.
 */
public final class StreamScope implements MemoryBudget {

    final ResourceManager manager;
    final ConnectionScope connection;
    /** Guarded by the manager's lock. */
    long memory;
    String protocol;
    private final AtomicBoolean open = new AtomicBoolean(true);

    StreamScope(ResourceManager manager, ConnectionScope connection) {
        this.manager = manager;
        this.connection = connection;
    }

    /**
     * The stream now speaks {@code protocol}.
     *
     * @throws ResourceLimitException if the peer has the most streams of that protocol allowed
     */
    public void protocol(String protocol) {
        manager.setProtocol(this, protocol);
    }

    @Override
    public boolean reserve(long bytes) {
        return manager.reserve(this, connection, bytes);
    }

    @Override
    public void release(long bytes) {
        manager.release(this, connection, bytes);
    }

    /** Gives back the stream's count, protocol place and memory; later calls do nothing. */
    public void close() {
        if (open.compareAndSet(true, false)) {
            manager.release(this, connection, Long.MAX_VALUE);
            manager.closeStream(this);
        }
    }
}
