package io.github.p2pboot.protocol.identify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.identify.pb.IdentifyProto;
import io.github.p2pboot.swarm.PeerInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The bounded identify decoder and PeerInfo's bounds, on messages built by hand. */
class IdentifyRecordTest {

    private static IdentifyRecord decode(IdentifyProto.Identify... messages) throws IOException {
        IdentifyRecord record = new IdentifyRecord();
        for (IdentifyProto.Identify message : messages) {
            record.merge(ByteBuffer.wrap(message.toByteArray()));
        }
        return record;
    }

    @Test
    void aMessageFullOfTinyAddressesAndProtocolsKeepsOnlyTheBounds() throws IOException {
        IdentifyProto.Identify.Builder message = IdentifyProto.Identify.newBuilder();
        byte[] tiny = Multiaddr.parse("/ip4/10.0.0.1/tcp/1").toBytes();
        IntStream.range(0, 2500).forEach(i -> message.addListenAddrs(ByteString.copyFrom(tiny)));
        IntStream.range(0, 2500).forEach(i -> message.addProtocols("/p/" + i));
        message.setAgentVersion("agent-" + "z".repeat(10_000));
        assertThat(message.build().getSerializedSize()).isLessThan(Identify.MAX_MESSAGE_SIZE);

        IdentifyRecord record = decode(message.build());

        assertThat(record.listenAddresses).hasSize(PeerInfo.MAX_LISTEN_ADDRESSES);
        assertThat(record.protocols).hasSize(PeerInfo.MAX_PROTOCOLS).startsWith("/p/0", "/p/1");
        assertThat(record.agentVersion).hasSize(PeerInfo.MAX_VERSION_LENGTH).startsWith("agent-zzz");
        assertThat(record.dropped).isEqualTo(2500 - PeerInfo.MAX_LISTEN_ADDRESSES + 2500 - PeerInfo.MAX_PROTOCOLS);
    }

    @Test
    void oversizedFieldsAreSkippedUnreadAndTheRestKept() throws IOException {
        IdentifyProto.Identify message = IdentifyProto.Identify.newBuilder()
                .addListenAddrs(ByteString.copyFrom(new byte[PeerInfo.MAX_ADDRESS_BYTES + 1]))
                .addListenAddrs(ByteString.copyFrom(Multiaddr.parse("/ip4/10.0.0.1/udp/1/quic-v1").toBytes()))
                .addProtocols("/" + "x".repeat(PeerInfo.MAX_PROTOCOL_ID_LENGTH))
                .addProtocols("")
                .addProtocols("/ipfs/ping/1.0.0")
                .setObservedAddr(ByteString.copyFrom(new byte[PeerInfo.MAX_ADDRESS_BYTES + 1]))
                .setSignedPeerRecord(ByteString.copyFrom(new byte[8000]))
                .setProtocolVersion("ipfs/0.1.0")
                .build();

        IdentifyRecord record = decode(message);

        assertThat(record.listenAddresses).hasSize(1);
        assertThat(Multiaddr.fromBytes(record.listenAddresses.get(0))).isEqualTo(Multiaddr.parse("/ip4/10.0.0.1/udp/1/quic-v1"));
        assertThat(record.protocols).containsExactly("/ipfs/ping/1.0.0");
        assertThat(record.observedAddress).isNull();
        assertThat(record.protocolVersion).isEqualTo("ipfs/0.1.0");
    }

    @Test
    void messagesMergeAsProtobufDoes() throws IOException {
        IdentifyRecord record = decode(
                IdentifyProto.Identify.newBuilder().setAgentVersion("first").addProtocols("/a").build(),
                IdentifyProto.Identify.newBuilder().setAgentVersion("second").addProtocols("/b").addProtocols("/a").build());

        assertThat(record.agentVersion).isEqualTo("second");
        assertThat(record.protocols).containsExactly("/a", "/b");
    }

    @Test
    void anOversizedPublicKeyFailsTheRecordNamingItsSize() {
        IdentifyProto.Identify message = IdentifyProto.Identify.newBuilder().setPublicKey(ByteString.copyFrom(new byte[2000])).build();

        assertThatThrownBy(() -> decode(message)).isInstanceOf(IOException.class)
                .hasMessage("identify public key has 2000 bytes; at most 1108 allowed");
    }

    @Test
    void aTruncatedMessageFails() {
        byte[] whole = IdentifyProto.Identify.newBuilder().setAgentVersion("x".repeat(50)).build().toByteArray();
        IdentifyRecord record = new IdentifyRecord();

        assertThatThrownBy(() -> record.merge(ByteBuffer.wrap(Arrays.copyOf(whole, 20)))).isInstanceOf(IOException.class);
    }

    @Test
    void peerInfoTrimsWhateverItIsGiven() {
        PeerId peer = PrivateKey.generateEd25519().peerId();
        List<Multiaddr> addresses = IntStream.range(0, 40).mapToObj(i -> Multiaddr.parse("/ip4/10.0.0.1/tcp/" + (i + 1))).toList();
        Multiaddr tooLong = Multiaddr.parse("/dns4/" + "a".repeat(200) + "/tcp/1");
        Set<String> protocols = new java.util.LinkedHashSet<>(List.of("/not/ascii/\u00e9", "", "/" + "x".repeat(200)));
        IntStream.range(0, 300).forEach(i -> protocols.add("/p/" + i));

        PeerInfo info = new PeerInfo(peer, java.util.stream.Stream.concat(java.util.stream.Stream.of(tooLong), addresses.stream()).toList(),
                protocols, Optional.of(tooLong), "agent\n" + "z".repeat(1000), null);

        assertThat(info.listenAddresses()).containsExactlyElementsOf(addresses.subList(0, PeerInfo.MAX_LISTEN_ADDRESSES));
        assertThat(info.protocols()).hasSize(PeerInfo.MAX_PROTOCOLS).allMatch(p -> p.startsWith("/p/"));
        assertThat(info.observedAddress()).isEmpty();
        assertThat(info.agentVersion()).hasSize(PeerInfo.MAX_VERSION_LENGTH).startsWith("agent?zzz");
        assertThat(info.protocolVersion()).isEmpty();
    }
}
