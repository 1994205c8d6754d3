package io.github.p2pboot.resource;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * Memory that code buffering for a peer must reserve before it holds bytes, and release when it
 * lets them go. The swarm hands each stream one, drawn from the stream's connection, its peer and
 * the whole node, so a peer can never make us hold more than its share.
 *
 * <p>Low-level: protocol code finds its stream's budget with {@link #of(Channel)}.
 */
public interface MemoryBudget {

    /** Where the swarm keeps a stream channel's budget. */
    AttributeKey<MemoryBudget> ATTRIBUTE = AttributeKey.valueOf(MemoryBudget.class, "budget");

    /**
     * Reserves {@code bytes}.
     *
     * @return false, reserving nothing, if any scope above would exceed its limit
     */
    boolean reserve(long bytes);

    /** Gives back bytes reserved before. */
    void release(long bytes);

    /** A budget that never refuses: for channels that no swarm gave one. */
    static MemoryBudget unlimited() {
        return Unlimited.INSTANCE;
    }

    /** The budget of {@code channel} or, if it has none, of its parent; unlimited if neither has one. */
    static MemoryBudget of(Channel channel) {
        for (Channel c = channel; c != null; c = c.parent()) {
            MemoryBudget budget = c.attr(ATTRIBUTE).get();
            if (budget != null) {
                return budget;
            }
        }
        return unlimited();
    }

    /** The budget that never refuses. */
    enum Unlimited implements MemoryBudget {
        INSTANCE;

        @Override
        public boolean reserve(long bytes) {
            return true;
        }

        @Override
        public void release(long bytes) {
        }
    }
}
