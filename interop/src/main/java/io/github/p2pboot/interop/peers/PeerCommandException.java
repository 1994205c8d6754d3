package io.github.p2pboot.interop.peers;

/** A command a peer process answered with an error; the message carries the peer's own error. */
public class PeerCommandException extends RuntimeException {

    public PeerCommandException(String message) {
        super(message);
    }
}
