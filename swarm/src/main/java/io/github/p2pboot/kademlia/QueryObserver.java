package io.github.p2pboot.kademlia;

import org.jspecify.annotations.Nullable;

/**
 * Told when each lookup starts and, through the scope it returns, when it ends: what an
 * Observation or a trace span of a query needs ({@link QueryListener} hears only of the end).
 * Called on the thread that starts or ends the query; must not block.
 */
@FunctionalInterface
public interface QueryObserver {

    /**
     * @param type {@code find_node}, {@code get_value}, {@code put_value}, {@code get_providers},
     *     {@code add_provider} or {@code bootstrap}
     */
    Scope queryStarted(String type);

    /** One query's end. */
    @FunctionalInterface
    interface Scope {

        /**
         * @param outcome {@code success}, {@code timeout} or {@code failure}
         * @param error why it failed, if it did
         */
        void queryEnded(String outcome, @Nullable Throwable error);
    }
}
