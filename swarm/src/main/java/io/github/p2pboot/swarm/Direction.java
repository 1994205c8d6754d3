package io.github.p2pboot.swarm;

/** Which side opened a connection or a stream. */
public enum Direction {
    /** The remote peer opened it. */
    INBOUND,
    /** This node opened it. */
    OUTBOUND
}
