package io.github.p2pboot.multiaddr;

import java.util.Arrays;

/** One protocol of a multiaddr and its value, e.g. {@code /udp/4001}. */
public final class Component {

    private final Protocol protocol;
    private final byte[] value;
    private final String text;

    Component(Protocol protocol, byte[] value, String text) {
        this.protocol = protocol;
        this.value = value;
        this.text = text;
    }

    public Protocol protocol() {
        return protocol;
    }

    /** The value in binary form, as in the binary multiaddr (without a length prefix). */
    public byte[] valueBytes() {
        return value.clone();
    }

    /** The value in text form; empty for protocols without a value. */
    public String value() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Component other && protocol == other.protocol && Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return 31 * protocol.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "/" + protocol.textName() + (protocol.hasValue() ? "/" + text : "");
    }
}
