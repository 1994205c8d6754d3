package io.github.p2pboot.transport;

import io.github.p2pboot.identity.PeerId;

/** A dial reached a peer other than the one its address named in {@code /p2p}. */
public final class PeerIdMismatchException extends RuntimeException {

    private final PeerId expected;
    private final PeerId actual;

    public PeerIdMismatchException(PeerId expected, PeerId actual, String address) {
        super("dialled " + address + " expecting peer " + expected + " but the peer there is " + actual);
        this.expected = expected;
        this.actual = actual;
    }

    public PeerId expected() {
        return expected;
    }

    public PeerId actual() {
        return actual;
    }
}
