package io.github.p2pboot.swarm;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What identify reported about a peer, trimmed to what this node uses.
 *
 * <p>A peer writes the record, so it is bounded whatever the peer sent: at most
 * {@value #MAX_LISTEN_ADDRESSES} listen addresses of at most {@value #MAX_ADDRESS_BYTES} bytes
 * each (longer ones, and an observed address that long, are dropped), at most
 * {@value #MAX_PROTOCOLS} protocols of 1 to {@value #MAX_PROTOCOL_ID_LENGTH} printable ASCII
 * characters (others are dropped), and an agent and protocol version cut to
 * {@value #MAX_VERSION_LENGTH} characters with anything but printable ASCII replaced by '?'.
 * The bounds follow go-libp2p's peer store (128 protocols per peer); a real record (a js-libp2p
 * or go-libp2p node: a handful of addresses, 10 to 30 protocols, an agent of about 30 characters)
 * is far inside them, and the largest record takes about 30 KiB of heap.
 *
 * @param peerId the peer, verified against the public key it sent
 * @param listenAddresses the addresses it says it listens on, in its order
 * @param protocols the protocols it serves
 * @param observedAddress our address as the peer sees it, if it told us
 * @param agentVersion its implementation, e.g. {@code js-libp2p/3.3.11}
 * @param protocolVersion e.g. {@code ipfs/0.1.0}
 */
public record PeerInfo(
        PeerId peerId,
        List<Multiaddr> listenAddresses,
        Set<String> protocols,
        Optional<Multiaddr> observedAddress,
        String agentVersion,
        String protocolVersion) {

    public static final int MAX_LISTEN_ADDRESSES = 16;
    public static final int MAX_ADDRESS_BYTES = 128;
    public static final int MAX_PROTOCOLS = 128;
    public static final int MAX_PROTOCOL_ID_LENGTH = 128;
    public static final int MAX_VERSION_LENGTH = 128;

    /** Trims every field to the bounds of the class comment. */
    public PeerInfo {
        Objects.requireNonNull(peerId, "peerId");
        List<Multiaddr> addresses = new ArrayList<>(Math.min(listenAddresses.size(), MAX_LISTEN_ADDRESSES));
        for (Multiaddr address : listenAddresses) {
            if (addresses.size() == MAX_LISTEN_ADDRESSES) {
                break;
            }
            if (fits(address)) {
                addresses.add(address);
            }
        }
        listenAddresses = Collections.unmodifiableList(addresses);
        Set<String> kept = new LinkedHashSet<>();
        for (String protocol : protocols) {
            if (kept.size() == MAX_PROTOCOLS) {
                break;
            }
            if (isAcceptableProtocol(protocol)) {
                kept.add(protocol);
            }
        }
        protocols = Collections.unmodifiableSet(kept);
        observedAddress = observedAddress.filter(PeerInfo::fits);
        agentVersion = printable(agentVersion);
        protocolVersion = printable(protocolVersion);
    }

    private static boolean fits(Multiaddr address) {
        return address.toBytes().length <= MAX_ADDRESS_BYTES;
    }

    /** Whether identify keeps {@code protocol}: 1 to {@value #MAX_PROTOCOL_ID_LENGTH} printable ASCII characters. */
    static boolean isAcceptableProtocol(String protocol) {
        if (protocol == null || protocol.isEmpty() || protocol.length() > MAX_PROTOCOL_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < protocol.length(); i++) {
            char c = protocol.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** {@code text} cut to {@value #MAX_VERSION_LENGTH} characters, anything but printable ASCII replaced by '?'. */
    private static String printable(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_VERSION_LENGTH));
        for (int i = 0; i < text.length() && out.length() < MAX_VERSION_LENGTH; i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c <= 0x7e ? c : '?');
        }
        return out.toString();
    }
}
