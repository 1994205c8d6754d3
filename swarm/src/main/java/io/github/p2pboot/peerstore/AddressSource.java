package io.github.p2pboot.peerstore;

/**
 * Where the peer store learnt an address, which decides how it ranks for dialling (the order of
 * the constants, best first) and which bounded slot it occupies.
 */
public enum AddressSource {

    /** We dialled the peer at this address and the connection was established. */
    OBSERVED,

    /** The peer listed it itself, as an identify listen address. */
    SELF_REPORTED,

    /**
     * Someone else told us: another peer (a Kademlia answer) or configuration. Unverified, so it
     * ranks last and lives in slots of its own, where it cannot push out the other two kinds.
     */
    THIRD_PARTY
}
