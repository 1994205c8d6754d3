package io.github.p2pboot.multiaddr;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.fuzzing.AllocationMeter;
import io.github.p2pboot.fuzzing.Fuzz;
import io.github.p2pboot.fuzzing.Gen;
import io.github.p2pboot.fuzzing.Mutator;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes multiaddr parsing, binary (as identify and Kademlia carry it) and text. Only
 * {@link MultiaddrFormatException} may escape, naming what was wrong; an accepted binary multiaddr
 * encodes back to exactly its bytes, and every accepted multiaddr survives a trip through its
 * text form and its binary form unchanged.
 */
class MultiaddrFuzzTest {

    private static final AtomicInteger TRIES = new AtomicInteger();
    private static final PeerId PEER = PeerId.fromPublicKey(PrivateKey.generateEd25519().publicKey());

    @Test
    void binaryMultiaddrsDecodeToThemselvesOrAreRefused() {
        Fuzz.forAll(binary(), input -> {
            AllocationMeter meter = AllocationMeter.start();
            Multiaddr address;
            try {
                address = Multiaddr.fromBytes(input.bytes());
            } catch (MultiaddrFormatException e) {
                assertThat(e.getMessage()).containsAnyOf("binary multiaddr", "truncated");
                assertThat(meter.withinBudget(input.bytes().length, TRIES)).isTrue();
                return;
            }
            assertThat(meter.withinBudget(input.bytes().length, TRIES)).isTrue();
            assertThat(address.toBytes()).isEqualTo(input.bytes());
            assertRoundTrips(address);
        });
    }

    @Test
    void textMultiaddrsParseToThemselvesOrAreRefused() {
        Fuzz.forAll(text(), input -> {
            String text = new String(input.bytes(), StandardCharsets.UTF_8);
            Multiaddr address;
            try {
                address = Multiaddr.parse(text);
            } catch (MultiaddrFormatException e) {
                assertThat(e.getMessage()).isNotBlank();
                return;
            }
            assertRoundTrips(address);
        });
    }

    private static void assertRoundTrips(Multiaddr address) {
        assertThat(Multiaddr.parse(address.toString())).isEqualTo(address);
        assertThat(Multiaddr.fromBytes(address.toBytes())).isEqualTo(address);
        assertThat(Multiaddr.parse(address.toString()).toString()).isEqualTo(address.toString());
        // withPeerId replaces a trailing /p2p, so stripping and adding the id gives the address back only
        // when one /p2p ends it (the fuzzer found /p2p/<bytes>/p2p/<id>, which both strip); putting the
        // same id in its place always does.
        address.peerId().ifPresent(id -> {
            assertThat(address.withPeerId(id)).isEqualTo(address);
            boolean oneTrailingPeerId = address.components().size() == 1
                    || address.withoutPeerId().components().get(address.components().size() - 2).protocol() != Protocol.P2P;
            if (oneTrailingPeerId) {
                assertThat(address.withoutPeerId().withPeerId(id)).isEqualTo(address.components().size() == 1
                        ? Multiaddr.parse("/p2p/" + id) : address);
            }
        });
    }

    Gen<Mutator.Input> binary() {
        return Mutator.inputs(addresses().map(Multiaddr::toBytes));
    }

    Gen<Mutator.Input> text() {
        return Mutator.inputs(addresses().map(a -> {
            String s = a.toString();
            // The legacy name for p2p in every other address.
            return s.hashCode() % 2 == 0 ? s : s.replace("/p2p/", "/ipfs/");
        }).map(s -> s.getBytes(StandardCharsets.UTF_8)));
    }

    private static Gen<Multiaddr> addresses() {
        Gen<String> ip = Gen.oneOf(
                Gen.ints(0, 255).list(4, 4).map(l -> "/ip4/" + l.get(0) + "." + l.get(1) + "." + l.get(2) + "." + l.get(3)),
                Gen.of("/ip6/::1", "/ip6/2001:db8::1", "/ip6/::ffff:127.0.0.1", "/ip6/fe80::1:2:3:4", "/ip6/1:2:3:4:5:6:7:8"),
                Gen.strings(Gen.charsOf("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"), 1, 30)
                        .flatMap(name -> Gen.of("/dns/", "/dns4/", "/dns6/").map(p -> p + name)));
        Gen<String> transportName = Gen.of("/tcp/", "/udp/");
        Gen<Integer> port = Gen.ints(0, 65535);
        Gen<String> transport = r -> {
            String t = transportName.next(r);
            int n = port.next(r);
            return t + n + (t.equals("/udp/") && n % 2 == 0 ? "/quic-v1" : "");
        };
        Gen<String> peer = Gen.of("", "/p2p/" + PEER);
        return r -> Multiaddr.parse(ip.next(r) + transport.next(r) + peer.next(r));
    }
}
