package io.github.p2pboot.identity;

import io.github.p2pboot.codec.Base58;
import java.util.Arrays;

/**
 * A libp2p peer id: the multihash of a peer's protobuf-encoded public key.
 *
 * <p>SKELETON: the identity work completes this class (fromPublicKey, CIDv1 parsing, multihash
 * validation); the methods below keep their signatures.
 */
public final class PeerId implements Comparable<PeerId> {

    private final byte[] multihash;

    private PeerId(byte[] multihash) {
        this.multihash = multihash;
    }

    /** Wraps the binary form (a multihash), as found in multiaddrs and protocol messages. */
    public static PeerId fromBytes(byte[] multihash) {
        return new PeerId(multihash.clone());
    }

    /** Parses the text form: base58btc ({@code 12D3Koo...}, {@code Qm...}) or a CIDv1. */
    public static PeerId parse(String text) {
        return fromBytes(Base58.decode(text));
    }

    public byte[] toBytes() {
        return multihash.clone();
    }

    public String toBase58() {
        return Base58.encode(multihash);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerId other && Arrays.equals(multihash, other.multihash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(multihash);
    }

    @Override
    public int compareTo(PeerId o) {
        return Arrays.compareUnsigned(multihash, o.multihash);
    }

    @Override
    public String toString() {
        return toBase58();
    }
}
