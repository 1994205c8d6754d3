package io.github.p2pboot.multiaddr;

/** A multiaddr that does not parse; the message names the input and what was wrong with it. */
public class MultiaddrFormatException extends IllegalArgumentException {

    public MultiaddrFormatException(String message) {
        super(message);
    }

    public MultiaddrFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
