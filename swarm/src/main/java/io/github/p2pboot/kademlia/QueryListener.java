package io.github.p2pboot.kademlia;

import java.time.Duration;

/** Told about every finished lookup, e.g. to time queries in metrics. */
@FunctionalInterface
public interface QueryListener {

    /**
     * @param type {@code find_node}, {@code get_value}, {@code put_value}, {@code get_providers},
     *     {@code add_provider} or {@code bootstrap}
     * @param outcome {@code success}, {@code timeout} or {@code failure}
     */
    void queryCompleted(String type, String outcome, Duration duration);
}
