package io.github.p2pboot.multiaddr;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The multiaddr protocols this engine understands, with their codes from the multiformats
 * table. Sizes are in bits; {@link #VARIABLE} means a varint length prefix, 0 no value.
 */
public enum Protocol {
    IP4(4, "ip4", 32),
    TCP(6, "tcp", 16),
    DNS(53, "dns", Protocol.VARIABLE),
    DNS4(54, "dns4", Protocol.VARIABLE),
    DNS6(55, "dns6", Protocol.VARIABLE),
    IP6(41, "ip6", 128),
    UDP(273, "udp", 16),
    QUIC_V1(0x01cd, "quic-v1", 0),
    P2P(421, "p2p", Protocol.VARIABLE);

    /** The size of protocols whose value carries its own length prefix. */
    public static final int VARIABLE = -1;

    private static final Map<Integer, Protocol> BY_CODE = new HashMap<>();
    private static final Map<String, Protocol> BY_NAME = new HashMap<>();

    static {
        for (Protocol p : values()) {
            BY_CODE.put(p.code, p);
            BY_NAME.put(p.textName, p);
        }
        // The legacy name of p2p, still printed by older tools.
        BY_NAME.put("ipfs", P2P);
    }

    private final int code;
    private final String textName;
    private final int sizeBits;

    Protocol(int code, String textName, int sizeBits) {
        this.code = code;
        this.textName = textName;
        this.sizeBits = sizeBits;
    }

    public int code() {
        return code;
    }

    /** The name in the text form, e.g. {@code quic-v1}. */
    public String textName() {
        return textName;
    }

    /** The value size in bits, {@link #VARIABLE}, or 0 for protocols without a value. */
    public int sizeBits() {
        return sizeBits;
    }

    public boolean hasValue() {
        return sizeBits != 0;
    }

    /** The protocol with this code from the multiformats table, if this engine knows it. */
    public static Optional<Protocol> byCode(long code) {
        return code < 0 || code > Integer.MAX_VALUE ? Optional.empty() : Optional.ofNullable(BY_CODE.get((int) code));
    }

    /** The protocol with this text name; the legacy {@code ipfs} gives {@link #P2P}. */
    public static Optional<Protocol> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }
}
