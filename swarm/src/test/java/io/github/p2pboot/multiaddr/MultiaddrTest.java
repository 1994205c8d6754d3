package io.github.p2pboot.multiaddr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.p2pboot.identity.PeerId;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class MultiaddrTest {

    private static final String PEER = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

    /** Binary forms worked out from the multiformats table: code varints, then values. */
    @ParameterizedTest
    @CsvSource({
        // ip4=04, 127.0.0.1; udp=273 -> 9102, port 4001=0fa1; quic-v1=461 -> cd03
        "/ip4/127.0.0.1/udp/4001/quic-v1, 047f00000191020fa1cd03",
        // ip6=29, ::1; tcp=06, 4001
        "/ip6/::1/tcp/4001, 2900000000000000000000000000000001060fa1",
        // dns4=36, length 0b, example.com; tcp 443=01bb
        "/dns4/example.com/tcp/443, 360b6578616d706c652e636f6d0601bb",
    })
    void textAndBinaryFormsMatch(String text, String hex) {
        Multiaddr parsed = Multiaddr.parse(text);

        assertThat(HexFormat.of().formatHex(parsed.toBytes())).isEqualTo(hex);
        assertThat(Multiaddr.fromBytes(HexFormat.of().parseHex(hex)).toString()).isEqualTo(text);
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
    void legacyIpfsNameMeansP2p() {
        Multiaddr address = Multiaddr.parse("/ip4/1.2.3.4/tcp/1/ipfs/QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");

        assertThat(address.toString()).isEqualTo("/ip4/1.2.3.4/tcp/1/p2p/QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
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
    void fromSocketAddress() {
        assertThat(Multiaddr.fromSocketAddress(new InetSocketAddress("127.0.0.1", 9), Protocol.UDP).toString())
                .isEqualTo("/ip4/127.0.0.1/udp/9");
        assertThat(Multiaddr.fromSocketAddress(new InetSocketAddress("::1", 9), Protocol.TCP).toString())
                .isEqualTo("/ip6/::1/tcp/9");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ip4/1.2.3.4/tcp/1 | must start with '/'",
        "/ip4/1.2.3.4/foo/1 | unknown protocol 'foo'",
        "/ip4/1.2.3 | invalid ip4 address '1.2.3'",
        "/ip4/1.2.3.256 | invalid ip4 address '1.2.3.256'",
        "/ip4/01.2.3.4 | invalid ip4 address",
        "/ip4/1.2.3.4/tcp/70000 | port 70000 out of range",
        "/ip4/1.2.3.4/tcp/x | invalid tcp port 'x'",
        "/ip4/1.2.3.4/tcp | missing value for tcp",
        "/ip6/localhost/tcp/1 | invalid ip6 address 'localhost'",
        "/p2p/notapeerid | invalid peer id 'notapeerid'",
        "/ip4//tcp/1 | missing value for ip4",
    })
    void malformedTextIsRefusedNamingTheProblem(String text, String message) {
        assertThatThrownBy(() -> Multiaddr.parse(text)).isInstanceOf(MultiaddrFormatException.class)
                .hasMessageContaining(message.trim()).hasMessageContaining(text.trim());
    }

    @Test
    void malformedBinaryIsRefused() {
        assertThatThrownBy(() -> Multiaddr.fromBytes(HexFormat.of().parseHex("047f00")))
                .isInstanceOf(MultiaddrFormatException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> Multiaddr.fromBytes(HexFormat.of().parseHex("ff7f")))
                .isInstanceOf(MultiaddrFormatException.class);
        assertThatThrownBy(() -> Multiaddr.fromBytes(HexFormat.of().parseHex("8d10")))
                .isInstanceOf(MultiaddrFormatException.class).hasMessageContaining("unknown protocol code");
        assertThatThrownBy(() -> Multiaddr.fromBytes(new byte[0])).hasMessageContaining("empty");
    }
}
