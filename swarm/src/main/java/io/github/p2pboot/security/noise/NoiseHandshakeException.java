package io.github.p2pboot.security.noise;

import java.io.IOException;

/**
 * The Noise handshake failed; the message names what was wrong (a bad signature, an unexpected
 * peer, a truncated or malformed message, a decryption failure, the connection closing early).
 * Also thrown into the pipeline when an established Noise session receives a frame that does not
 * decrypt.
 */
public final class NoiseHandshakeException extends IOException {

    private static final long serialVersionUID = 1L;

    public NoiseHandshakeException(String message) {
        super(message);
    }

    public NoiseHandshakeException(String message, Throwable cause) {
        super(message, cause);
    }
}
