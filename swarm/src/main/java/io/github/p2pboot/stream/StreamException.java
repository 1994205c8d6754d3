package io.github.p2pboot.stream;

/**
 * A stream operation that could not complete, with the reason as a {@link Reason}. Only the
 * stream it names is affected: its connection and other streams go on.
 */
public class StreamException extends RuntimeException {

    /** What went wrong. */
    public enum Reason {
        /** The peer reset the stream, or it was reset here (a deadline, a budget, {@link ByteStream#reset()}). */
        RESET,
        /** The stream or its connection closed before the operation completed. */
        CLOSED,
        /** The peer ended its side before a whole message or request arrived. */
        ENDED,
        /** More bytes than the limit: a message, a request or a response too large. */
        TOO_LARGE,
        /** The operation did not complete within its deadline. */
        TIMEOUT,
        /** A codec could not encode or decode a value. */
        CODEC,
        /** The peer does not speak the protocol, or could not be reached. */
        UNAVAILABLE,
        /** The handler serving the request failed, or the peer's did (the stream was reset without an answer). */
        HANDLER
    }

    private final Reason reason;

    public StreamException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public StreamException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
