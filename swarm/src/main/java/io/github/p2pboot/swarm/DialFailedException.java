package io.github.p2pboot.swarm;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * No address of a peer could be dialled. Keeps every address's own error, in the order the
 * addresses were tried, so that an operator sees why each one failed.
 */
public final class DialFailedException extends IOException {

    private final transient PeerId peer;
    private final transient Map<Multiaddr, Throwable> errors;

    public DialFailedException(PeerId peer, Map<Multiaddr, Throwable> errors) {
        super(message(peer, errors));
        this.peer = peer;
        this.errors = Collections.unmodifiableMap(new LinkedHashMap<>(errors));
        errors.values().forEach(this::addSuppressed);
    }

    public PeerId peer() {
        return peer;
    }

    /** Each address tried, with the error it failed with. */
    public Map<Multiaddr, Throwable> errors() {
        return errors;
    }

    private static String message(PeerId peer, Map<Multiaddr, Throwable> errors) {
        return "could not reach peer " + peer + " at any of its " + errors.size() + " address(es): "
                + errors.entrySet().stream()
                        .map(e -> e.getKey() + " (" + describe(e.getValue()) + ")")
                        .collect(Collectors.joining("; "));
    }

    private static String describe(Throwable error) {
        return error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
    }
}
