package io.github.p2pboot.kademlia;

/** Whether a node serves the DHT or only queries it. */
public enum KademliaMode {
    /** Serves and advertises the DHT protocol, stores records, answers lookups. */
    SERVER,
    /** Only queries: neither serves nor advertises the protocol, so peers do not route to it. */
    CLIENT
}
