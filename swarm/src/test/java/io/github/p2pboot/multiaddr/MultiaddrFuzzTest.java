package io.github.p2pboot.multiaddr;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.fuzzing.AllocationMeter;
import io.github.p2pboot.fuzzing.Mutator;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Fuzzes multiaddr parsing, binary (as identify and Kademlia carry it) and text. Only
 * {@link MultiaddrFormatException} may escape, naming what was wrong; an accepted binary multiaddr
 * encodes back to exactly its bytes, and every accepted multiaddr survives a trip through its
 * text form and its binary form unchanged.
 */
@AddLifecycleHook(io.github.p2pboot.fuzzing.FuzzTries.class)
class MultiaddrFuzzTest {

    private static final AtomicInteger TRIES = new AtomicInteger();
    private static final PeerId PEER = PeerId.fromPublicKey(PrivateKey.generateEd25519().publicKey());

    @Property
    void binaryMultiaddrsDecodeToThemselvesOrAreRefused(@ForAll("binary") Mutator.Input input) {
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
    }

    @Property
    void textMultiaddrsParseToThemselvesOrAreRefused(@ForAll("text") Mutator.Input input) {
        String text = new String(input.bytes(), StandardCharsets.UTF_8);
        Multiaddr address;
        try {
            address = Multiaddr.parse(text);
        } catch (MultiaddrFormatException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertRoundTrips(address);
    }

    private static void assertRoundTrips(Multiaddr address) {
        assertThat(Multiaddr.parse(address.toString())).isEqualTo(address);
        assertThat(Multiaddr.fromBytes(address.toBytes())).isEqualTo(address);
        assertThat(Multiaddr.parse(address.toString()).toString()).isEqualTo(address.toString());
        address.peerId().ifPresent(id -> assertThat(address.withoutPeerId().withPeerId(id)).isEqualTo(address.components().size() == 1
                ? Multiaddr.parse("/p2p/" + id) : address));
    }

    @Provide
    Arbitrary<Mutator.Input> binary() {
        return Mutator.inputs(addresses().map(Multiaddr::toBytes));
    }

    @Provide
    Arbitrary<Mutator.Input> text() {
        return Mutator.inputs(addresses().map(a -> {
            String s = a.toString();
            // The legacy name for p2p in every other address.
            return s.hashCode() % 2 == 0 ? s : s.replace("/p2p/", "/ipfs/");
        }).map(s -> s.getBytes(StandardCharsets.UTF_8)));
    }

    private static Arbitrary<Multiaddr> addresses() {
        Arbitrary<String> ip = Arbitraries.oneOf(
                Arbitraries.integers().between(0, 255).list().ofSize(4).map(l -> "/ip4/" + l.get(0) + "." + l.get(1) + "." + l.get(2) + "." + l.get(3)),
                Arbitraries.of("/ip6/::1", "/ip6/2001:db8::1", "/ip6/::ffff:127.0.0.1", "/ip6/fe80::1:2:3:4", "/ip6/1:2:3:4:5:6:7:8"),
                Arbitraries.strings().alpha().numeric().withChars('.', '-').ofMinLength(1).ofMaxLength(30)
                        .flatMap(name -> Arbitraries.of("/dns/", "/dns4/", "/dns6/").map(p -> p + name)));
        Arbitrary<String> transport = Combinators.combine(Arbitraries.of("/tcp/", "/udp/"), Arbitraries.integers().between(0, 65535))
                .as((t, port) -> t + port + (t.equals("/udp/") && port % 2 == 0 ? "/quic-v1" : ""));
        Arbitrary<String> peer = Arbitraries.of("", "/p2p/" + PEER);
        return Combinators.combine(ip, transport, peer).as((i, t, p) -> Multiaddr.parse(i + t + p));
    }
}
