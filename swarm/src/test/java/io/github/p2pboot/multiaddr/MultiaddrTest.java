package io.github.p2pboot.multiaddr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.p2pboot.codec.Base58;
import io.github.p2pboot.identity.PeerId;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MultiaddrTest {

    private static final String PEER = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
    private static final String LEGACY_PEER = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";

    /** Binary forms worked out from the multiformats table: code varints, then values. */
    @ParameterizedTest
    @CsvSource({
        // ip4=04, 127.0.0.1; udp=273 -> 9102, port 4001=0fa1; quic-v1=461 -> cd03
        "/ip4/127.0.0.1/udp/4001/quic-v1, 047f00000191020fa1cd03",
        // ip6=29, ::1; tcp=06, 4001
        "/ip6/::1/tcp/4001, 2900000000000000000000000000000001060fa1",
        // dns4=36, length 0b, example.com; tcp 443=01bb
        "/dns4/example.com/tcp/443, 360b6578616d706c652e636f6d0601bb",
        // dns=35, dns6=37, length 01, "a"; udp 0
        "/dns/a/udp/0, 35016191020000",
        "/dns6/a/tcp/65535, 37016106ffff",
        // ip6 with every group set; ip4-mapped ip6 printed dotted
        "/ip6/2001:db8:1:2:3:4:5:6/tcp/1, 2920010db800010002000300040005000606 0001",
        "/ip6/::ffff:1.2.3.4/udp/1, 2900000000000000000000ffff0102030491020001",
    })
    void textAndBinaryFormsMatch(String text, String spacedHex) {
        String hex = spacedHex.replace(" ", "");
        Multiaddr parsed = Multiaddr.parse(text);

        assertThat(HexFormat.of().formatHex(parsed.toBytes())).isEqualTo(hex);
        assertThat(Multiaddr.fromBytes(HexFormat.of().parseHex(hex)).toString()).isEqualTo(text);
    }

    /** p2p=421 -> a503, then the peer id's multihash with its length: 38 bytes (identity), 34 (sha2-256). */
    @Test
    void peerIdsAreLengthPrefixedMultihashes() {
        String ed25519 = HexFormat.of().formatHex(Base58.decode(PEER));
        String sha256 = HexFormat.of().formatHex(Base58.decode(LEGACY_PEER));
        assertThat(ed25519).startsWith("0024");
        assertThat(sha256).startsWith("1220");

        assertThat(HexFormat.of().formatHex(Multiaddr.parse("/ip4/1.2.3.4/tcp/1/p2p/" + PEER).toBytes()))
                .isEqualTo("0401020304060001" + "a50326" + ed25519);
        assertThat(HexFormat.of().formatHex(Multiaddr.parse("/ipfs/" + LEGACY_PEER).toBytes())).isEqualTo("a50322" + sha256);
        assertThat(Multiaddr.fromBytes(HexFormat.of().parseHex("a50322" + sha256)).toString()).isEqualTo("/p2p/" + LEGACY_PEER);
    }

    @Test
    void peerIdAsCidIsPrintedInBase58() {
        PeerId peer = PeerId.parse(PEER);

        assertThat(Multiaddr.parse("/p2p/" + peer.toCidString()).toString()).isEqualTo("/p2p/" + PEER);
    }

    @ParameterizedTest
    @CsvSource({
        "/ip4/1.2.3.4/tcp/1/p2p/" + PEER,
        "/dns/node.example/udp/4001/quic-v1",
        "/dns6/node.example/tcp/80",
        "/ip6/2001:db8::8a2e:370:7334/udp/0/quic-v1",
        "/p2p/" + PEER,
    })
    void roundTrips(String text) {
        Multiaddr address = Multiaddr.parse(text);

        assertThat(address.toString()).isEqualTo(text);
        assertThat(Multiaddr.fromBytes(address.toBytes())).isEqualTo(address);
    }

    @Test
    void ip6IsPrintedCompressed() {
        assertThat(Multiaddr.parse("/ip6/0:0:0:0:0:0:0:1/tcp/1").toString()).isEqualTo("/ip6/::1/tcp/1");
        assertThat(Multiaddr.parse("/ip6/2001:0db8:0:0:1:0:0:1/tcp/1").toString()).isEqualTo("/ip6/2001:db8::1:0:0:1/tcp/1");
    }

    @Test
    void textIsPrintedCanonically() {
        assertThat(Multiaddr.parse("/ip4/1.2.3.4/tcp/0080/").toString()).isEqualTo("/ip4/1.2.3.4/tcp/80");
        assertThat(Multiaddr.parse("/ip6/::FFFF:102:304/tcp/1").toString()).isEqualTo("/ip6/::ffff:1.2.3.4/tcp/1");
        assertThat(Multiaddr.parse("/ip6/fe80::0:1/tcp/1").toString()).isEqualTo("/ip6/fe80::1/tcp/1");
    }

    @Test
    void legacyIpfsNameMeansP2p() {
        Multiaddr address = Multiaddr.parse("/ip4/1.2.3.4/tcp/1/ipfs/" + LEGACY_PEER);

        assertThat(address.toString()).isEqualTo("/ip4/1.2.3.4/tcp/1/p2p/" + LEGACY_PEER);
        assertThat(address).isEqualTo(Multiaddr.parse("/ip4/1.2.3.4/tcp/1/p2p/" + LEGACY_PEER));
        assertThat(address.peerId()).contains(PeerId.parse(LEGACY_PEER));
    }

    @Test
    void protocolsAreFoundByCodeAndName() {
        assertThat(Protocol.byCode(461)).contains(Protocol.QUIC_V1);
        assertThat(Protocol.byCode(460)).isEmpty();
        assertThat(Protocol.byCode(-1)).isEmpty();
        assertThat(Protocol.byName("udp")).contains(Protocol.UDP);
        assertThat(Protocol.byName("ipfs")).contains(Protocol.P2P);
        assertThat(Protocol.P2P.textName()).isEqualTo("p2p");
        assertThat(Protocol.byName("quic")).isEmpty();
    }

    @Test
    void componentsAndValues() {
        Multiaddr address = Multiaddr.parse("/dns4/a.example/tcp/1").encapsulate(Multiaddr.parse("/dns4/b.example/udp/2/quic-v1"));

        assertThat(address.toString()).isEqualTo("/dns4/a.example/tcp/1/dns4/b.example/udp/2/quic-v1");
        assertThat(address.components()).extracting(Component::protocol)
                .containsExactly(Protocol.DNS4, Protocol.TCP, Protocol.DNS4, Protocol.UDP, Protocol.QUIC_V1);
        assertThat(address.value(Protocol.DNS4)).contains("a.example");
        assertThat(address.value(Protocol.IP4)).isEmpty();
        assertThat(address.has(Protocol.IP6)).isFalse();
        assertThat(address.components().get(1).valueBytes()).containsExactly(0, 1);
        assertThat(address.components().get(4).value()).isEmpty();
        assertThat(address.components().get(4).valueBytes()).isEmpty();
    }

    @Test
    void peerIdHelpers() {
        Multiaddr base = Multiaddr.parse("/ip4/1.2.3.4/udp/1/quic-v1");
        PeerId peer = PeerId.parse(PEER);

        Multiaddr withPeer = base.withPeerId(peer);

        assertThat(withPeer.peerId()).contains(peer);
        assertThat(withPeer.withoutPeerId()).isEqualTo(base);
        assertThat(base.peerId()).isEmpty();
        assertThat(withPeer.withPeerId(peer)).isEqualTo(withPeer);
        assertThat(withPeer.value(Protocol.UDP)).contains("1");
        assertThat(withPeer.has(Protocol.QUIC_V1)).isTrue();
    }

    @Test
    void withPeerIdReplacesOnlyATrailingPeerId() {
        PeerId first = PeerId.parse(PEER);
        PeerId second = PeerId.parse(LEGACY_PEER);
        Multiaddr relayed = Multiaddr.parse("/p2p/" + PEER + "/ip4/1.2.3.4/tcp/1");

        assertThat(relayed.peerId()).isEmpty();
        assertThat(relayed.withoutPeerId()).isEqualTo(relayed);
        assertThat(relayed.withPeerId(second).toString()).isEqualTo("/p2p/" + PEER + "/ip4/1.2.3.4/tcp/1/p2p/" + LEGACY_PEER);
        assertThat(relayed.withPeerId(second).withPeerId(first).peerId()).contains(first);
        assertThat(Multiaddr.parse("/p2p/" + PEER).withPeerId(second).toString()).isEqualTo("/p2p/" + LEGACY_PEER);
        assertThat(Multiaddr.parse("/p2p/" + PEER).withoutPeerId().toString()).isEqualTo("/p2p/" + PEER);
    }

    @Test
    void fromSocketAddress() {
        assertThat(Multiaddr.fromSocketAddress(new InetSocketAddress("127.0.0.1", 9), Protocol.UDP).toString())
                .isEqualTo("/ip4/127.0.0.1/udp/9");
        assertThat(Multiaddr.fromSocketAddress(new InetSocketAddress("::1", 9), Protocol.TCP).toString())
                .isEqualTo("/ip6/::1/tcp/9");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ip4/1.2.3.4/tcp/1 | multiaddr must start with '/': 'ip4/1.2.3.4/tcp/1'",
        "'' | multiaddr must start with '/': ''",
        "/ | multiaddr has no protocols: '/'",
        "/ip4/1.2.3.4/foo/1 | unknown protocol 'foo' in '/ip4/1.2.3.4/foo/1'",
        "/quic | unknown protocol 'quic' in '/quic'",
        "/ip4/1.2.3 | invalid ip4 address '1.2.3' in '/ip4/1.2.3'",
        "/ip4/1.2.3.256 | invalid ip4 address '1.2.3.256' in '/ip4/1.2.3.256'",
        "/ip4/01.2.3.4 | invalid ip4 address '01.2.3.4' in",
        "/ip4/1.2.3.-4 | invalid ip4 address '1.2.3.-4' in",
        "/ip4/1.2.3.4. | invalid ip4 address '1.2.3.4.' in",
        "/ip4/\u0661.2.3.4 | invalid ip4 address",
        "/ip4/localhost | invalid ip4 address 'localhost' in",
        "/ip4/1.2.3.4/tcp/70000 | tcp port 70000 out of range 0-65535 in '/ip4/1.2.3.4/tcp/70000'",
        "/ip4/1.2.3.4/udp/99999999999 | udp port 99999999999 out of range",
        "/ip4/1.2.3.4/tcp/x | invalid tcp port 'x' in",
        "/ip4/1.2.3.4/tcp/-1 | invalid tcp port '-1' in",
        "/ip4/1.2.3.4/tcp/+1 | invalid tcp port '+1' in",
        "/ip4/1.2.3.4/tcp | missing value for tcp in '/ip4/1.2.3.4/tcp'",
        "/ip4//tcp/1 | missing value for ip4 in '/ip4//tcp/1'",
        "/ip4/1.2.3.4//tcp/1 | empty protocol name in '/ip4/1.2.3.4//tcp/1'",
        "/ip6/localhost/tcp/1 | invalid ip6 address 'localhost' in",
        "/ip6/1.2.3.4/tcp/1 | invalid ip6 address '1.2.3.4' in",
        "/ip6/.:1/tcp/1 | invalid ip6 address '.:1' in",
        "/ip6/fe80::1%eth0/tcp/1 | invalid ip6 address 'fe80::1%eth0' in",
        "/ip6/1:2:3:4:5:6:7:8:9/tcp/1 | invalid ip6 address '1:2:3:4:5:6:7:8:9' in",
        "/ip6/1::2::3/tcp/1 | invalid ip6 address '1::2::3' in",
        "/p2p/notapeerid | invalid peer id 'notapeerid' in '/p2p/notapeerid'",
        "/p2p/12D3KooW | invalid peer id '12D3KooW' in",
    })
    void malformedTextIsRefusedNamingTheProblem(String text, String message) {
        assertThatThrownBy(() -> Multiaddr.parse(text)).isInstanceOf(MultiaddrFormatException.class)
                .hasMessageContaining(message);
    }

    @Test
    void parseOfNullIsRefused() {
        assertThatThrownBy(() -> Multiaddr.parse(null)).isInstanceOf(MultiaddrFormatException.class)
                .hasMessage("multiaddr must start with '/': 'null'");
    }

    @Test
    void dnsNamesAreNeverLookedUp() {
        // .invalid never resolves (RFC 6761): parsing it must not care.
        Multiaddr address = Multiaddr.parse("/dns/no-such-host.invalid/tcp/1");

        assertThat(address.value(Protocol.DNS)).contains("no-such-host.invalid");
        assertThatThrownBy(() -> Multiaddr.parse("/dns/" + "a".repeat(256))).isInstanceOf(MultiaddrFormatException.class)
                .hasMessageContaining("dns name longer than 255 bytes");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // ip4 needs 4 bytes, has 2
        "047f00 | binary multiaddr truncated: ip4 needs 4 bytes, 2 left in 047f00",
        // varint code cut off after its continuation bit
        "0401020304ff | binary multiaddr truncated: truncated varint at offset 5 in 0401020304ff",
        // dns4 announces 11 bytes, has 1
        "360b61 | binary multiaddr truncated: dns4 needs 11 bytes, 1 left in 360b61",
        // dns4 length prefix missing
        "36 | binary multiaddr truncated",
        // 0x0d8d = 1677: not in our table
        "8d0d | unknown protocol code 1677 in binary multiaddr 8d0d",
        // 460 is the old draft-29 quic
        "cc03 | unknown protocol code 460 in binary multiaddr cc03",
        // non-minimal varint 0x84 0x00 for 4
        "8400 | invalid binary multiaddr: varint at offset 0 is not minimally encoded in 8400",
        // p2p holding a multihash of an unknown function
        "a50303010203 | invalid peer id in /p2p of binary multiaddr a50303010203",
        // p2p multihash whose declared length disagrees with the value
        "a503030005aa | invalid peer id in /p2p of binary multiaddr a503030005aa",
        // dns names: empty, with a '/', not UTF-8
        "3500 | dns name of 0 bytes in binary multiaddr 3500",
        "3603612f62 | dns4 name 'a/b' contains '/' in binary multiaddr 3603612f62",
        "3702c328 | dns6 name is not UTF-8 in binary multiaddr 3702c328",
    })
    void malformedBinaryIsRefusedNamingTheProblem(String hex, String message) {
        assertThatThrownBy(() -> Multiaddr.fromBytes(HexFormat.of().parseHex(hex))).isInstanceOf(MultiaddrFormatException.class)
                .hasMessageContaining(message);
    }

    @Test
    void emptyBinaryIsRefused() {
        assertThatThrownBy(() -> Multiaddr.fromBytes(new byte[0])).isInstanceOf(MultiaddrFormatException.class)
                .hasMessage("binary multiaddr is empty");
    }

    @Test
    void equalityIsOnTheBinaryForm() {
        Multiaddr a = Multiaddr.parse("/ip6/0:0::1/tcp/01");
        Multiaddr b = Multiaddr.fromBytes(HexFormat.of().parseHex("2900000000000000000000000000000001060001"));

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(Multiaddr.parse("/ip6/::1/udp/1"));
    }

    @Test
    void valueBytesAreACopy() {
        Multiaddr address = Multiaddr.parse("/ip4/1.2.3.4/tcp/1");

        address.components().get(0).valueBytes()[0] = 9;
        address.toBytes()[1] = 9;

        assertThat(address.toString()).isEqualTo("/ip4/1.2.3.4/tcp/1");
    }
}
