package io.github.p2pboot.peerstore;

import io.github.p2pboot.multiaddr.Multiaddr;
import java.time.Instant;
import java.util.Objects;

/**
 * One address the peer store holds for a peer.
 *
 * @param address the address, without {@code /p2p}
 * @param source where it came from
 * @param lastSeen when it was last learnt from that source; for {@link AddressSource#OBSERVED},
 *     when a dial to it last succeeded
 */
public record KnownAddress(Multiaddr address, AddressSource source, Instant lastSeen) {

    public KnownAddress {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(lastSeen, "lastSeen");
    }
}
