package io.github.p2pboot.swarm;

/**
 * Why a connection closed.
 *
 * @param kind the category, for metrics and decisions such as redialling
 * @param detail a human-readable explanation (an error message or the peer's close reason)
 */
public record CloseCause(Kind kind, String detail) {

    public enum Kind {
        /** This node closed it (API call, replacement, or shutdown). */
        LOCAL,
        /** The peer closed it. */
        REMOTE,
        /** Nothing was received for the transport's idle timeout. */
        IDLE_TIMEOUT,
        /** The peer stopped answering the keep-alive pings. */
        KEEP_ALIVE_TIMEOUT,
        /** A protocol or transport error. */
        ERROR
    }

    public static CloseCause local(String detail) {
        return new CloseCause(Kind.LOCAL, detail);
    }

    public static CloseCause error(String detail) {
        return new CloseCause(Kind.ERROR, detail);
    }

    @Override
    public String toString() {
        return kind + ": " + detail;
    }
}
