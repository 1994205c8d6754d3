package io.github.p2pboot.identity;

/**
 * A key or peer id that cannot be decoded. The message names what was wrong; it never contains
 * private key material.
 */
public class KeyFormatException extends IllegalArgumentException {

    public KeyFormatException(String message) {
        super(message);
    }

    public KeyFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
