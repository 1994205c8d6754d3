package io.github.p2pboot.peerstore;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.PeerInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class InMemoryPeerStoreTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    private final MutableClock clock = new MutableClock();
    private final PeerId local = newPeer();
    private final PeerId peer = newPeer();

    private InMemoryPeerStore store(int maxPeers) {
        return new InMemoryPeerStore(local, maxPeers, clock, () -> { });
    }

    static PeerId newPeer() {
        return PrivateKey.generateEd25519().peerId();
    }

    static Multiaddr quic(int port) {
        return Multiaddr.parse("/ip4/127.0.0.1/udp/" + port + "/quic-v1");
    }

    static PeerInfo identify(PeerId peer, List<Multiaddr> listen, Set<String> protocols, String agent) {
        return new PeerInfo(peer, listen, protocols, Optional.empty(), agent, "ipfs/0.1.0");
    }

    @Test
    void dialAddressesRankObservedThenSelfReportedThenThirdPartyNewestFirstWithinARank() {
        InMemoryPeerStore store = store(10);
        store.addAddresses(peer, AddressSource.THIRD_PARTY, List.of(quic(3001)));
        clock.advance(SECOND);
        store.addAddresses(peer, AddressSource.THIRD_PARTY, List.of(quic(3002)));
        clock.advance(SECOND);
        store.identified(identify(peer, List.of(quic(2001), quic(2002)), Set.of("/ipfs/ping/1.0.0"), "x"));
        clock.advance(SECOND);
        store.addAddresses(peer, AddressSource.OBSERVED, List.of(quic(1001)));
        clock.advance(SECOND);
        store.addAddresses(peer, AddressSource.OBSERVED, List.of(quic(1002)));
        clock.advance(SECOND);
        store.addAddresses(peer, AddressSource.THIRD_PARTY, List.of(quic(3003)));

        assertThat(store.dialAddresses(peer)).containsExactly(
                quic(1002), quic(1001), // observed, the latest success first
                quic(2001), quic(2002), // self-reported, in the peer's order
                quic(3003), quic(3002), quic(3001)); // third-party, newest first
        assertThat(store.addresses(peer)).extracting(KnownAddress::source).containsExactly(
                AddressSource.OBSERVED, AddressSource.OBSERVED, AddressSource.SELF_REPORTED, AddressSource.SELF_REPORTED,
                AddressSource.THIRD_PARTY, AddressSource.THIRD_PARTY, AddressSource.THIRD_PARTY);
        assertThat(store.addresses(peer).get(0).lastSeen()).isEqualTo(clock.instant().minus(SECOND));
    }

    @Test
    void aRepeatedObservedSuccessMovesTheAddressToTheFront() {
        InMemoryPeerStore store = store(10);
        store.addAddresses(peer, AddressSource.OBSERVED, List.of(quic(1001)));
        clock.advance(SECOND);
        store.addAddresses(peer, AddressSource.OBSERVED, List.of(quic(1002)));
        clock.advance(SECOND);
        store.addAddresses(peer, AddressSource.OBSERVED, List.of(quic(1001).withPeerId(peer)));

        assertThat(store.dialAddresses(peer)).containsExactly(quic(1001), quic(1002));
    }

    @Test
    void aHundredThirdPartyAddressesCannotEvictAnObservedOrSelfReportedOne() {
        InMemoryPeerStore store = store(10);
        store.addAddresses(peer, AddressSource.OBSERVED, List.of(quic(1001)));
        store.identified(identify(peer, List.of(quic(2001)), Set.of(), "x"));
        PeerId gossip = newPeer();
        for (int i = 0; i < 100; i++) {
            clock.advance(SECOND);
            // As a Kademlia answer from some other peer would add them, one at a time and in bulk.
            store.addAddresses(peer, AddressSource.THIRD_PARTY, List.of(quic(5000 + i)));
        }
        store.addAddresses(peer, AddressSource.THIRD_PARTY, IntStream.range(0, 100).mapToObj(i -> quic(6000 + i)).toList());

        List<Multiaddr> ranked = store.dialAddresses(peer);
        assertThat(ranked.subList(0, 2)).containsExactly(quic(1001), quic(2001));
        assertThat(ranked).hasSize(2 + InMemoryPeerStore.MAX_ADDRESSES_PER_SOURCE);
        assertThat(ranked.subList(2, ranked.size())).allMatch(a -> a.value(io.github.p2pboot.multiaddr.Protocol.UDP).orElseThrow().startsWith("60"));
        assertThat(store.peers()).doesNotContain(gossip);
    }

    @Test
    void aThirdPartyCopyOfABetterAddressTakesNoSlotAndAnObservedOneFreesTheThirdPartySlot() {
        InMemoryPeerStore store = store(10);
        store.addAddresses(peer, AddressSource.THIRD_PARTY, List.of(quic(1001), quic(1002)));
        store.addAddresses(peer, AddressSource.OBSERVED, List.of(quic(1001)));
        store.addAddresses(peer, AddressSource.THIRD_PARTY, List.of(quic(1001)));

        assertThat(store.addresses(peer)).containsExactly(
                new KnownAddress(quic(1001), AddressSource.OBSERVED, clock.instant()),
                new KnownAddress(quic(1002), AddressSource.THIRD_PARTY, clock.instant()));
    }

    @Test
    void identifyReplacesTheSelfReportedAddressesAndProtocols() {
        InMemoryPeerStore store = store(10);
        store.identified(identify(peer, List.of(quic(2001), quic(2002)), Set.of("/a/1", "/b/1"), "x"));
        store.identified(identify(peer, List.of(quic(2003)), Set.of("/c/1"), "y"));

        assertThat(store.dialAddresses(peer)).containsExactly(quic(2003));
        assertThat(store.protocols(peer)).containsExactly("/c/1");
        PeerInfo info = store.info(peer).orElseThrow();
        assertThat(info.listenAddresses()).containsExactly(quic(2003));
        assertThat(info.agentVersion()).isEqualTo("y");
        assertThat(info.protocolVersion()).isEqualTo("ipfs/0.1.0");
    }

    @Test
    void perPeerBoundsHold() {
        InMemoryPeerStore store = store(10);
        List<Multiaddr> many = IntStream.range(0, 50).mapToObj(i -> quic(2000 + i)).toList();
        Multiaddr tooLong = Multiaddr.parse("/dns4/" + "a".repeat(200) + ".example/udp/1/quic-v1");
        List<Multiaddr> listen = new ArrayList<>(List.of(tooLong));
        listen.addAll(many);
        Set<String> protocols = new java.util.HashSet<>();
        IntStream.range(0, InMemoryPeerStore.MAX_PROTOCOLS + 50).forEach(i -> protocols.add("/p/" + i));
        protocols.add("/" + "x".repeat(InMemoryPeerStore.MAX_PROTOCOL_ID_LENGTH));
        protocols.add("/not/ascii/\u00e9");
        store.identified(identify(peer, listen, protocols, "agent\n" + "z".repeat(1000)));
        store.addAddresses(peer, AddressSource.OBSERVED, many);

        assertThat(store.addresses(peer)).filteredOn(a -> a.source() == AddressSource.SELF_REPORTED)
                .hasSize(InMemoryPeerStore.MAX_ADDRESSES_PER_SOURCE).noneMatch(a -> a.address().equals(tooLong));
        assertThat(store.addresses(peer)).filteredOn(a -> a.source() == AddressSource.OBSERVED)
                .hasSize(InMemoryPeerStore.MAX_ADDRESSES_PER_SOURCE);
        assertThat(store.protocols(peer)).hasSize(InMemoryPeerStore.MAX_PROTOCOLS)
                .allMatch(p -> p.length() <= InMemoryPeerStore.MAX_PROTOCOL_ID_LENGTH && p.startsWith("/p/"));
        String agent = store.info(peer).orElseThrow().agentVersion();
        assertThat(agent).hasSize(InMemoryPeerStore.MAX_AGENT_LENGTH).startsWith("agent?zzz");
    }

    @Test
    void anAddressThatIsNothingButAPeerIdIsNotKept() {
        InMemoryPeerStore store = store(10);
        store.addAddresses(peer, AddressSource.THIRD_PARTY, List.of(Multiaddr.parse("/p2p/" + peer), quic(1).withPeerId(peer)));

        assertThat(store.dialAddresses(peer)).containsExactly(quic(1));
    }

    @Test
    void theLocalPeerIsNeverStored() {
        InMemoryPeerStore store = store(10);
        store.addAddresses(local, AddressSource.THIRD_PARTY, List.of(quic(1)));
        store.addAddresses(local, AddressSource.OBSERVED, List.of(quic(1)));
        store.identified(identify(local, List.of(quic(1)), Set.of("/a/1"), "me"));
        store.connected(local);

        assertThat(store.peers()).isEmpty();
        assertThat(store.dialAddresses(local)).isEmpty();
    }

    @Test
    void theLeastRecentlySeenPeerIsForgottenFirstButNotAConnectedOne() {
        InMemoryPeerStore store = store(3);
        PeerId connectedLongAgo = newPeer();
        PeerId old = newPeer();
        PeerId recent = newPeer();
        store.connected(connectedLongAgo);
        clock.advance(SECOND);
        store.connected(old);
        store.disconnected(old);
        clock.advance(SECOND);
        store.connected(recent);
        store.disconnected(recent);
        clock.advance(SECOND);

        PeerId newcomer = newPeer();
        store.connected(newcomer);

        assertThat(store.peers()).containsExactlyInAnyOrder(connectedLongAgo, recent, newcomer);
    }

    @Test
    void aPeerStaysConnectedWhileAnyOfItsConnectionsIsOpen() {
        InMemoryPeerStore store = store(2);
        PeerId twice = newPeer();
        PeerId other = newPeer();
        store.connected(twice);
        store.connected(twice);
        store.disconnected(twice);
        clock.advance(SECOND);
        store.connected(other);
        store.disconnected(other);
        clock.advance(SECOND);

        store.connected(newPeer());

        assertThat(store.peers()).contains(twice).doesNotContain(other);
    }

    @Test
    void thirdPartyPeersGoFirstOnceTheyFillAQuarterAndTakeAtMostThatFromPeersWeMet() {
        InMemoryPeerStore store = store(8);
        List<PeerId> met = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            PeerId p = newPeer();
            store.connected(p);
            store.disconnected(p);
            met.add(p);
            clock.advance(SECOND);
        }
        List<PeerId> gossiped = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            PeerId p = newPeer();
            store.addAddresses(p, AddressSource.THIRD_PARTY, List.of(quic(4000 + i)));
            gossiped.add(p);
            clock.advance(SECOND);
        }

        assertThat(store.peers()).hasSize(8);
        // A quarter (2) of the room went to the newest gossiped peers; the two least recently met made room.
        assertThat(store.peers()).containsAll(met.subList(2, 8)).containsAll(gossiped.subList(18, 20));
    }

    @Test
    void recentlyConnectedListsTheLatestConnectionsFirst() {
        InMemoryPeerStore store = store(10);
        PeerId first = newPeer();
        PeerId second = newPeer();
        PeerId third = newPeer();
        PeerId onlyIdentified = newPeer();
        store.connected(first);
        clock.advance(SECOND);
        store.connected(second);
        clock.advance(SECOND);
        store.connected(third);
        clock.advance(SECOND);
        store.identified(identify(onlyIdentified, List.of(quic(1)), Set.of(), "x"));
        store.disconnected(first);

        assertThat(store.recentlyConnected(2)).containsExactly(third, second);
        assertThat(store.recentlyConnected(10)).containsExactly(third, second, first);
        assertThat(store.lastSeen(first)).contains(clock.instant());
        assertThat(store.lastSeen(newPeer())).isEmpty();
    }
}
