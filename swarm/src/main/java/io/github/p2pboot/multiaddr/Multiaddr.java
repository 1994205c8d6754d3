package io.github.p2pboot.multiaddr;

import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.identity.PeerId;
import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A multiaddr: a self-describing network address such as
 * {@code /ip4/127.0.0.1/udp/4001/quic-v1/p2p/12D3KooW...}, in text or binary form. Immutable;
 * equal when their binary forms are equal. Parsing never resolves names.
 */
public final class Multiaddr {

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
     * Parses the text form.
     *
     * @throws MultiaddrFormatException naming the input and what is wrong with it
     */
    public static Multiaddr parse(String text) {
        if (text == null || !text.startsWith("/")) {
            throw new MultiaddrFormatException("multiaddr must start with '/': '" + text + "'");
        }
        String[] parts = text.substring(1).split("/", -1);
        List<Component> components = new ArrayList<>();
        int i = 0;
        // A lone trailing slash is tolerated; empty parts elsewhere are not.
        int end = parts.length > 0 && parts[parts.length - 1].isEmpty() ? parts.length - 1 : parts.length;
        while (i < end) {
            String name = parts[i++];
            if (name.isEmpty()) {
                throw new MultiaddrFormatException("empty protocol name in '" + text + "'");
            }
            Protocol protocol = Protocol.byName(name);
            if (protocol == null) {
                throw new MultiaddrFormatException("unknown protocol '" + name + "' in '" + text + "'");
            }
            if (!protocol.hasValue()) {
                components.add(new Component(protocol, new byte[0], ""));
                continue;
            }
            if (i >= end || parts[i].isEmpty()) {
                throw new MultiaddrFormatException("missing value for " + protocol.textName() + " in '" + text + "'");
            }
            components.add(fromText(protocol, parts[i++], text));
        }
        if (components.isEmpty()) {
            throw new MultiaddrFormatException("multiaddr has no protocols: '" + text + "'");
        }
        return new Multiaddr(components);
    }

    /**
     * Parses the binary form.
     *
     * @throws MultiaddrFormatException if it is truncated or holds an unknown protocol code
     */
    public static Multiaddr fromBytes(byte[] data) {
        List<Component> components = new ArrayList<>();
        int offset = 0;
        try {
            while (offset < data.length) {
                Varint.Decoded code = Varint.decode(data, offset);
                offset += code.length();
                Protocol protocol = Protocol.byCode(code.value());
                if (protocol == null) {
                    throw new MultiaddrFormatException("unknown protocol code " + code.value() + " in binary multiaddr");
                }
                int length;
                if (protocol.sizeBits() == Protocol.VARIABLE) {
                    Varint.Decoded size = Varint.decode(data, offset);
                    offset += size.length();
                    if (size.value() > data.length) {
                        throw new MultiaddrFormatException("binary multiaddr truncated: " + protocol.textName() + " value of " + size.value() + " bytes");
                    }
                    length = (int) size.value();
                } else {
                    length = protocol.sizeBits() / 8;
                }
                if (offset + length > data.length) {
                    throw new MultiaddrFormatException("binary multiaddr truncated: " + protocol.textName() + " needs "
                            + length + " bytes, " + (data.length - offset) + " left");
                }
                byte[] value = Arrays.copyOfRange(data, offset, offset + length);
                offset += length;
                components.add(new Component(protocol, value, toText(protocol, value)));
            }
        } catch (MultiaddrFormatException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new MultiaddrFormatException("invalid binary multiaddr: " + e.getMessage(), e);
        }
        if (components.isEmpty()) {
            throw new MultiaddrFormatException("binary multiaddr is empty");
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
        return new Multiaddr(List.of(
                new Component(family, ip.getAddress(), toText(family, ip.getAddress())),
                new Component(transport, port, Integer.toString(address.getPort()))));
    }

    public List<Component> components() {
        return components;
    }

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

    /** This address without a trailing {@code /p2p}. */
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
        byte[] id = peer.toBytes();
        list.add(new Component(Protocol.P2P, id, peer.toBase58()));
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

    private static Component fromText(Protocol protocol, String value, String input) {
        switch (protocol) {
            case IP4 -> {
                return new Component(protocol, parseIp4(value, input), value);
            }
            case IP6 -> {
                byte[] ip = parseIp6(value, input);
                return new Component(protocol, ip, toText(protocol, ip));
            }
            case TCP, UDP -> {
                int port;
                try {
                    port = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    throw new MultiaddrFormatException("invalid " + protocol.textName() + " port '" + value + "' in '" + input + "'");
                }
                if (port < 0 || port > 65535 || !value.equals(Integer.toString(port))) {
                    throw new MultiaddrFormatException(protocol.textName() + " port " + value + " out of range 0-65535 in '" + input + "'");
                }
                return new Component(protocol, new byte[] {(byte) (port >> 8), (byte) port}, value);
            }
            case DNS, DNS4, DNS6 -> {
                byte[] name = value.getBytes(StandardCharsets.UTF_8);
                if (name.length > 255) {
                    throw new MultiaddrFormatException(protocol.textName() + " name longer than 255 bytes in '" + input + "'");
                }
                return new Component(protocol, name, value);
            }
            case P2P -> {
                PeerId peer;
                try {
                    peer = PeerId.parse(value);
                } catch (IllegalArgumentException e) {
                    throw new MultiaddrFormatException("invalid peer id '" + value + "' in '" + input + "': " + e.getMessage(), e);
                }
                return new Component(protocol, peer.toBytes(), peer.toBase58());
            }
            default -> throw new MultiaddrFormatException("protocol " + protocol.textName() + " takes no value in '" + input + "'");
        }
    }

    private static String toText(Protocol protocol, byte[] value) {
        return switch (protocol) {
            case IP4 -> (value[0] & 0xFF) + "." + (value[1] & 0xFF) + "." + (value[2] & 0xFF) + "." + (value[3] & 0xFF);
            case IP6 -> ip6Text(value);
            case TCP, UDP -> Integer.toString(((value[0] & 0xFF) << 8) | (value[1] & 0xFF));
            case DNS, DNS4, DNS6 -> new String(value, StandardCharsets.UTF_8);
            case P2P -> PeerId.fromBytes(value).toBase58();
            case QUIC_V1 -> "";
        };
    }

    private static byte[] parseIp4(String value, String input) {
        String[] octets = value.split("\\.", -1);
        if (octets.length != 4) {
            throw new MultiaddrFormatException("invalid ip4 address '" + value + "' in '" + input + "'");
        }
        byte[] ip = new byte[4];
        for (int i = 0; i < 4; i++) {
            String octet = octets[i];
            if (octet.isEmpty() || octet.length() > 3 || !octet.chars().allMatch(Character::isDigit)
                    || (octet.length() > 1 && octet.charAt(0) == '0') || Integer.parseInt(octet) > 255) {
                throw new MultiaddrFormatException("invalid ip4 address '" + value + "' in '" + input + "'");
            }
            ip[i] = (byte) Integer.parseInt(octet);
        }
        return ip;
    }

    private static byte[] parseIp6(String value, String input) {
        // Only hex digits, ':' and '.' (an embedded ip4) may reach InetAddress, so it never looks a name up.
        if (value.indexOf(':') < 0 || !value.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
            throw new MultiaddrFormatException("invalid ip6 address '" + value + "' in '" + input + "'");
        }
        try {
            byte[] ip = InetAddress.getByName(value).getAddress();
            if (ip.length == 16) {
                return ip;
            }
            // Java folds IPv4-mapped addresses into ip4: map them back.
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(ip, 0, mapped, 12, 4);
            return mapped;
        } catch (UnknownHostException e) {
            throw new MultiaddrFormatException("invalid ip6 address '" + value + "' in '" + input + "'", e);
        }
    }

    /** RFC 5952 text: lower case, leading zeros dropped, the longest run of zero groups as '::'. */
    private static String ip6Text(byte[] ip) {
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
