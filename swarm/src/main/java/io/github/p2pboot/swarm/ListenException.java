package io.github.p2pboot.swarm;

import io.github.p2pboot.multiaddr.Multiaddr;
import java.io.IOException;
import java.io.UncheckedIOException;

/** A listen address that could not be bound, for example because another process holds its port. */
public class ListenException extends UncheckedIOException {

    private final Multiaddr address;
    private final int index;

    ListenException(Multiaddr address, int index, IOException cause) {
        super(String.valueOf(cause.getMessage()).contains(address.toString()) ? cause.getMessage()
                : "cannot listen on " + address + ": " + cause.getMessage(), cause);
        this.address = address;
        this.index = index;
    }

    /** The address as configured. */
    public Multiaddr address() {
        return address;
    }

    /** Its position in {@link SwarmConfig#listenAddresses()}, from 0. */
    public int index() {
        return index;
    }
}
