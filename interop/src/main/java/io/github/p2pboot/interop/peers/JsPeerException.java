package io.github.p2pboot.interop.peers;

/** A command the js peer answered with an error; the message carries the js side's error. */
public class JsPeerException extends PeerCommandException {

    public JsPeerException(String message) {
        super(message);
    }
}
