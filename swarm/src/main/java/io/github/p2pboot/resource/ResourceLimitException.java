package io.github.p2pboot.resource;

/** A scope of the {@link ResourceManager} refused: its message names the scope, the limit and who hit it. */
public final class ResourceLimitException extends RuntimeException {

    private final String kind;

    ResourceLimitException(String kind, String message) {
        super(message);
        this.kind = kind;
    }

    /** The kind of refusal, as counted in {@link Incidents}, e.g. {@code "connection refused (per-IP limit)"}. */
    public String kind() {
        return kind;
    }
}
