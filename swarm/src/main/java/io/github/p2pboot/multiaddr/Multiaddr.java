package io.github.p2pboot.multiaddr;

import io.github.p2pboot.codec.Base58;
import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.identity.PeerId;
import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A multiaddr: a self-describing network address such as
 * {@code /ip4/127.0.0.1/udp/4001/quic-v1/p2p/12D3KooW...}, in text or binary form. Immutable;
 * equal when their binary forms are equal. Parsing never resolves names.
 */
public final class Multiaddr {

    /** The longest DNS name is 253 characters; 255 leaves room for a trailing dot and keeps values short. */
    static final int MAX_DNS_NAME_BYTES = 255;

    private static final byte[] IP4_MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF};

    private final List<Component> components;
    private final byte[] bytes;

    private Multiaddr(List<Component> components) {
        this.components = List.copyOf(components);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Component c : components) {
            Varint.write(c.protocol().code(), out);
            byte[] value = c.valueBytes();
            if (c.protocol().sizeBits() == Protocol.VARIABLE) {
                Varint.write(value.length, out);
            }
            out.writeBytes(value);
        }
        this.bytes = out.toByteArray();
    }

    /**
     * Parses the text form. Accepts the legacy name {@code ipfs} for {@code p2p} and a peer id in
     * any form {@link PeerId#parse} accepts; {@link #toString()} prints the canonical form.
     *
     * @throws MultiaddrFormatException naming the input and what is wrong with it
     */
    public static Multiaddr parse(String text) {
        if (text == null || !text.startsWith("/")) {
            throw new MultiaddrFormatException("multiaddr must start with '/': '" + text + "'");
        }
        String[] parts = text.substring(1).split("/", -1);
        // A lone trailing slash is tolerated, as go-multiaddr does; empty parts elsewhere are not.
        int end = parts[parts.length - 1].isEmpty() ? parts.length - 1 : parts.length;
        List<Component> components = new ArrayList<>();
        int i = 0;
        while (i < end) {
            String name = parts[i++];
            if (name.isEmpty()) {
                throw new MultiaddrFormatException("empty protocol name in '" + text + "'");
            }
            Protocol protocol = Protocol.byName(name)
                    .orElseThrow(() -> new MultiaddrFormatException("unknown protocol '" + name + "' in '" + text + "'"));
            if (!protocol.hasValue()) {
                components.add(component(protocol, new byte[0]));
                continue;
            }
            if (i >= end || parts[i].isEmpty()) {
                throw new MultiaddrFormatException("missing value for " + protocol.textName() + " in '" + text + "'");
            }
            components.add(component(protocol, valueFromText(protocol, parts[i++], text)));
        }
        if (components.isEmpty()) {
            throw new MultiaddrFormatException("multiaddr has no protocols: '" + text + "'");
        }
        return new Multiaddr(components);
    }

    /**
     * Parses the binary form, as carried in identify and Kademlia messages.
     *
     * @throws MultiaddrFormatException naming the input (in hex) and what is wrong with it: truncated,
     *     an unknown protocol code, or an invalid value such as a bad peer id
     */
    public static Multiaddr fromBytes(byte[] data) {
        if (data.length == 0) {
            throw new MultiaddrFormatException("binary multiaddr is empty");
        }
        List<Component> components = new ArrayList<>();
        int offset = 0;
        while (offset < data.length) {
            Varint.Decoded code = readVarint(data, offset);
            offset += code.length();
            Protocol protocol = Protocol.byCode(code.value()).orElseThrow(() -> new MultiaddrFormatException(
                    "unknown protocol code " + code.value() + " in binary multiaddr " + hex(data)));
            long length = protocol.sizeBits() / 8;
            if (protocol.sizeBits() == Protocol.VARIABLE) {
                Varint.Decoded size = readVarint(data, offset);
                offset += size.length();
                length = size.value();
            }
            if (length > data.length - offset) {
                throw new MultiaddrFormatException("binary multiaddr truncated: " + protocol.textName() + " needs " + length
                        + " bytes, " + (data.length - offset) + " left in " + hex(data));
            }
            byte[] value = Arrays.copyOfRange(data, offset, offset + (int) length);
            offset += (int) length;
            checkBinaryValue(protocol, value, data);
            components.add(component(protocol, value));
        }
        return new Multiaddr(components);
    }

    /** {@code /ip4/<a>/tcp/<port>} or {@code /ip6/<a>/udp/<port>}, for a resolved socket address. */
    public static Multiaddr fromSocketAddress(InetSocketAddress address, Protocol transport) {
        if (transport != Protocol.TCP && transport != Protocol.UDP) {
            throw new IllegalArgumentException("transport must be tcp or udp, got " + transport.textName());
        }
        InetAddress ip = address.getAddress();
        if (ip == null) {
            throw new IllegalArgumentException("unresolved socket address " + address);
        }
        Protocol family = ip instanceof Inet4Address ? Protocol.IP4 : Protocol.IP6;
        byte[] port = {(byte) (address.getPort() >> 8), (byte) address.getPort()};
        return new Multiaddr(List.of(component(family, ip.getAddress()), component(transport, port)));
    }

    /** The components in order, never empty. */
    public List<Component> components() {
        return components;
    }

    /** The binary form: per component the code as a uvarint, then the value (length-prefixed if variable). */
    public byte[] toBytes() {
        return bytes.clone();
    }

    public boolean has(Protocol protocol) {
        return components.stream().anyMatch(c -> c.protocol() == protocol);
    }

    /** The text value of the first component of {@code protocol}. */
    public Optional<String> value(Protocol protocol) {
        return components.stream().filter(c -> c.protocol() == protocol).findFirst().map(Component::value);
    }

    /** The peer id of the last component, if it is {@code /p2p}. */
    public Optional<PeerId> peerId() {
        Component last = components.get(components.size() - 1);
        return last.protocol() == Protocol.P2P ? Optional.of(PeerId.fromBytes(last.valueBytes())) : Optional.empty();
    }

    /**
     * This address without a trailing {@code /p2p}; an address that is nothing but {@code /p2p}
     * is returned as it is, since a multiaddr cannot be empty.
     */
    public Multiaddr withoutPeerId() {
        Component last = components.get(components.size() - 1);
        if (last.protocol() != Protocol.P2P || components.size() == 1) {
            return this;
        }
        return new Multiaddr(components.subList(0, components.size() - 1));
    }

    /** This address ending in {@code /p2p/<peer>}, replacing a trailing {@code /p2p} if present. */
    public Multiaddr withPeerId(PeerId peer) {
        List<Component> list = new ArrayList<>(withoutPeerId().components);
        if (list.size() == 1 && list.get(0).protocol() == Protocol.P2P) {
            list.clear();
        }
        list.add(component(Protocol.P2P, peer.toBytes()));
        return new Multiaddr(list);
    }

    /** This address followed by {@code other}. */
    public Multiaddr encapsulate(Multiaddr other) {
        List<Component> list = new ArrayList<>(components);
        list.addAll(other.components);
        return new Multiaddr(list);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Multiaddr other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Component c : components) {
            sb.append(c);
        }
        return sb.toString();
    }

    private static Component component(Protocol protocol, byte[] value) {
        return new Component(protocol, value, toText(protocol, value));
    }

    private static byte[] valueFromText(Protocol protocol, String value, String input) {
        return switch (protocol) {
            case IP4 -> parseIp4(value, input);
            case IP6 -> parseIp6(value, input);
            case TCP, UDP -> parsePort(protocol, value, input);
            case DNS, DNS4, DNS6 -> {
                byte[] name = value.getBytes(StandardCharsets.UTF_8);
                if (name.length > MAX_DNS_NAME_BYTES) {
                    throw new MultiaddrFormatException(protocol.textName() + " name longer than " + MAX_DNS_NAME_BYTES
                            + " bytes in '" + input + "'");
                }
                yield name;
            }
            case P2P -> {
                try {
                    yield PeerId.parse(value).toBytes();
                } catch (IllegalArgumentException e) {
                    throw new MultiaddrFormatException("invalid peer id '" + value + "' in '" + input + "': " + e.getMessage(), e);
                }
            }
            case QUIC_V1 -> throw new IllegalStateException(protocol + " has no value");
        };
    }

    /** Fixed-size values are checked by their length already; variable ones need a look inside. */
    private static void checkBinaryValue(Protocol protocol, byte[] value, byte[] input) {
        switch (protocol) {
            case DNS, DNS4, DNS6 -> {
                if (value.length == 0 || value.length > MAX_DNS_NAME_BYTES) {
                    throw new MultiaddrFormatException(protocol.textName() + " name of " + value.length
                            + " bytes in binary multiaddr " + hex(input));
                }
                String name;
                try {
                    name = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(value)).toString();
                } catch (CharacterCodingException e) {
                    throw new MultiaddrFormatException(protocol.textName() + " name is not UTF-8 in binary multiaddr " + hex(input));
                }
                // A '/' would make the text form parse differently.
                if (name.indexOf('/') >= 0) {
                    throw new MultiaddrFormatException(protocol.textName() + " name '" + name + "' contains '/' in binary multiaddr "
                            + hex(input));
                }
            }
            case P2P -> {
                try {
                    PeerId.fromBytes(value);
                } catch (IllegalArgumentException e) {
                    throw new MultiaddrFormatException("invalid peer id in /p2p of binary multiaddr " + hex(input) + ": "
                            + e.getMessage(), e);
                }
            }
            default -> {
            }
        }
    }

    private static Varint.Decoded readVarint(byte[] data, int offset) {
        try {
            return Varint.decode(data, offset);
        } catch (IllegalArgumentException e) {
            String problem = e.getMessage().startsWith("truncated") ? "binary multiaddr truncated: " : "invalid binary multiaddr: ";
            throw new MultiaddrFormatException(problem + e.getMessage() + " in " + hex(data), e);
        }
    }

    private static String hex(byte[] data) {
        return HexFormat.of().formatHex(data);
    }

    private static String toText(Protocol protocol, byte[] value) {
        return switch (protocol) {
            case IP4 -> (value[0] & 0xFF) + "." + (value[1] & 0xFF) + "." + (value[2] & 0xFF) + "." + (value[3] & 0xFF);
            case IP6 -> ip6Text(value);
            case TCP, UDP -> Integer.toString(((value[0] & 0xFF) << 8) | (value[1] & 0xFF));
            case DNS, DNS4, DNS6 -> new String(value, StandardCharsets.UTF_8);
            // The base58 text of a peer id is that of its multihash, checked when the value was made.
            case P2P -> Base58.encode(value);
            case QUIC_V1 -> "";
        };
    }

    private static byte[] parsePort(Protocol protocol, String value, String input) {
        if (!isAsciiDigits(value)) {
            throw new MultiaddrFormatException("invalid " + protocol.textName() + " port '" + value + "' in '" + input + "'");
        }
        // Leading zeros are accepted, as go- and rust-multiaddr do; the text form prints without them.
        String digits = value.replaceFirst("^0+(?=.)", "");
        int port = digits.length() > 5 ? Integer.MAX_VALUE : Integer.parseInt(digits);
        if (port > 65535) {
            throw new MultiaddrFormatException(protocol.textName() + " port " + value + " out of range 0-65535 in '" + input + "'");
        }
        return new byte[] {(byte) (port >> 8), (byte) port};
    }

    private static byte[] parseIp4(String value, String input) {
        String[] octets = value.split("\\.", -1);
        if (octets.length != 4) {
            throw new MultiaddrFormatException("invalid ip4 address '" + value + "' in '" + input + "'");
        }
        byte[] ip = new byte[4];
        for (int i = 0; i < 4; i++) {
            String octet = octets[i];
            // Leading zeros are refused: some parsers read them as octal.
            if (octet.isEmpty() || octet.length() > 3 || !isAsciiDigits(octet)
                    || (octet.length() > 1 && octet.charAt(0) == '0') || Integer.parseInt(octet) > 255) {
                throw new MultiaddrFormatException("invalid ip4 address '" + value + "' in '" + input + "'");
            }
            ip[i] = (byte) Integer.parseInt(octet);
        }
        return ip;
    }

    private static byte[] parseIp6(String value, String input) {
        // InetAddress treats text as a literal, never looking it up, only when it starts with a hex
        // digit or ':' and contains a ':'. Beyond that only hex digits and '.' (an embedded ip4) may pass.
        boolean literal = value.indexOf(':') >= 0 && (value.charAt(0) == ':' || isAsciiHexDigit(value.charAt(0)))
                && value.chars().allMatch(c -> c == ':' || c == '.' || isAsciiHexDigit(c));
        if (!literal) {
            throw new MultiaddrFormatException("invalid ip6 address '" + value + "' in '" + input + "'");
        }
        try {
            byte[] ip = InetAddress.getByName(value).getAddress();
            if (ip.length == 16) {
                return ip;
            }
            // Java folds IPv4-mapped addresses into ip4: map them back.
            byte[] mapped = Arrays.copyOf(IP4_MAPPED_PREFIX, 16);
            System.arraycopy(ip, 0, mapped, 12, 4);
            return mapped;
        } catch (UnknownHostException e) {
            throw new MultiaddrFormatException("invalid ip6 address '" + value + "' in '" + input + "'", e);
        }
    }

    private static boolean isAsciiDigits(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static boolean isAsciiHexDigit(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /**
     * RFC 5952 text: lower case, leading zeros dropped, the longest run of zero groups as '::',
     * and IPv4-mapped addresses in dotted form, as go- and rust-multiaddr print them.
     */
    private static String ip6Text(byte[] ip) {
        if (Arrays.equals(ip, 0, 12, IP4_MAPPED_PREFIX, 0, 12)) {
            return "::ffff:" + toText(Protocol.IP4, Arrays.copyOfRange(ip, 12, 16));
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((ip[2 * i] & 0xFF) << 8) | (ip[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }
}
