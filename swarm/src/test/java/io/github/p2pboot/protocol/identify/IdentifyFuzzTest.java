package io.github.p2pboot.protocol.identify;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.fuzzing.AllocationMeter;
import io.github.p2pboot.fuzzing.ChannelFeeder;
import io.github.p2pboot.fuzzing.EmbeddedStream;
import io.github.p2pboot.fuzzing.Fuzz;
import io.github.p2pboot.fuzzing.Gen;
import io.github.p2pboot.fuzzing.LeakReports;
import io.github.p2pboot.fuzzing.Mutator;
import io.github.p2pboot.fuzzing.TrackingAllocator;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.protocol.identify.pb.IdentifyProto;
import io.github.p2pboot.swarm.PeerInfo;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes identify records as this node reads them (a request's answer or a push): the real
 * {@link IdentifyReader} pipeline on a stream, then {@link Identify#toPeerInfo}. A record of one or
 * more frames is read exactly as protobuf merging defines, up to the 64 KiB limit; anything else
 * fails with an IOException or the frame decoder's DecoderException naming the problem; another
 * peer's key is refused; the stream is closed in every case and every buffer released.
 */
class IdentifyFuzzTest {

    private static final AtomicInteger TRIES = new AtomicInteger();
    private static final PrivateKey PEER_KEY = PrivateKey.generateEd25519();
    private static final PeerId PEER = PeerId.fromPublicKey(PEER_KEY.publicKey());
    private static LeakReports leaks;

    @BeforeAll
    static void start() {
        leaks = new LeakReports();
    }

    @AfterAll
    static void noLeaks() {
        try {
            assertThat(leaks.collect()).isEmpty();
        } finally {
            leaks.close();
        }
    }

    @Test
    void recordsAreReadAsProtobufMergesThemOrRefusedWithAReason() {
        Fuzz.forAll(records(), input -> {
            TrackingAllocator allocator = new TrackingAllocator();
            EmbeddedChannel channel = new EmbeddedChannel();
            ChannelFeeder feeder = new ChannelFeeder(channel, allocator);
            EmbeddedStream stream = new EmbeddedStream(channel, Identify.PROTOCOL_ID, PEER);
            CompletableFuture<IdentifyRecord> read = IdentifyReader.read(stream, Identify.MAX_MESSAGE_SIZE, java.time.Duration.ofSeconds(30));
            try {
                AllocationMeter meter = AllocationMeter.start();
                feeder.feed(input.chunks());
                if (channel.isOpen()) {
                    // The peer ends its side: the record is complete.
                    channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                    channel.runPendingTasks();
                }
                boolean withinBudget = meter.withinBudget(input.bytes().length, TRIES);
                boolean open = channel.isOpen();
                feeder.finish();

                Model model = Model.of(input.bytes());
                assertThat(open).isFalse();
                assertThat(read).isDone();
                Throwable failure = read.handle((m, e) -> e).join();
                if (model.error == null) {
                    assertThat(failure).isNull();
                    IdentifyRecord record = read.join();
                    assertMatches(record, model.record);
                    try {
                        PeerInfo info = Identify.toPeerInfo(stream.connection(), record);
                        assertThat(info.peerId()).isEqualTo(PEER);
                        assertThat(info.listenAddresses().size()).isLessThanOrEqualTo(record.listenAddresses.size());
                        info.listenAddresses().forEach(a -> assertThat(Multiaddr.fromBytes(a.toBytes())).isEqualTo(a));
                    } catch (IllegalArgumentException e) {
                        assertThat(record.publicKey).isNotNull();
                        assertThat(e.getMessage()).containsAnyOf("public key", "carries the public key of", "key type", "Ed25519", "Secp256k1",
                                "ECDSA", "RSA");
                    }
                } else {
                    assertThat(failure).isInstanceOfAny(IOException.class, DecoderException.class);
                    assertThat(failure.getMessage()).contains(model.error);
                }
                assertThat(feeder.escaped()).isEmpty();
                assertThat(allocator.unreleased()).isEmpty();
                assertThat(withinBudget).as("heap allocated while decoding, %d bytes", meter.allocated()).isTrue();
            } finally {
                allocator.releaseAll();
            }
        });
    }

    /**
     * The bounded record holds what protobuf's merge of the messages holds, within PeerInfo's bounds:
     * the listen addresses, the protocols and the public key (the versions are cut and made
     * printable later, so they are not compared).
     */
    private static void assertMatches(IdentifyRecord record, Merged merged) {
        List<byte[]> addresses = merged.addresses().stream()
                .filter(a -> a.length <= PeerInfo.MAX_ADDRESS_BYTES).limit(PeerInfo.MAX_LISTEN_ADDRESSES).toList();
        assertThat(record.listenAddresses).containsExactlyElementsOf(addresses);
        List<String> protocols = merged.protocols().stream()
                .filter(p -> p.length >= 1 && p.length <= PeerInfo.MAX_PROTOCOL_ID_LENGTH)
                .map(p -> new String(p, java.nio.charset.StandardCharsets.ISO_8859_1)).distinct().limit(PeerInfo.MAX_PROTOCOLS).toList();
        assertThat(record.protocols).containsExactlyElementsOf(protocols);
        assertThat(record.publicKey).isEqualTo(merged.publicKey());
    }

    Gen<Mutator.Input> records() {
        Gen<byte[]> address = Gen.of("/ip4/127.0.0.1/tcp/4001", "/ip6/::1/udp/4001/quic-v1", "/dns4/example.com/tcp/443",
                "/ip4/10.0.0.1/udp/1/quic-v1/p2p/" + PEER).map(a -> Multiaddr.parse(a).toBytes());
        Gen<List<byte[]>> addressLists = address.list(0, 4);
        Gen<List<String>> protocolLists = Gen.of("/ipfs/id/1.0.0", "/ipfs/ping/1.0.0", "/ipfs/kad/1.0.0").list(0, 3);
        Gen<String> agents = Gen.strings(Gen.anyChar(), 0, 20);
        Gen<IdentifyProto.Identify> record = random -> {
                    List<byte[]> addresses = addressLists.next(random);
                    List<String> protocols = protocolLists.next(random);
                    boolean withKey = random.nextBoolean();
                    String agent = agents.next(random);
                    IdentifyProto.Identify.Builder b = IdentifyProto.Identify.newBuilder().setProtocolVersion(Identify.PROTOCOL_VERSION)
                            .setAgentVersion(agent).addAllProtocols(protocols).setObservedAddr(ByteString.copyFrom(addresses.isEmpty()
                                    ? new byte[0] : addresses.get(0)));
                    addresses.forEach(a -> b.addListenAddrs(ByteString.copyFrom(a)));
                    if (withKey) {
                        b.setPublicKey(ByteString.copyFrom(PEER_KEY.publicKey().marshal()));
                    }
                    return b.build();
                };
        // One frame, or split in two as go-libp2p does with large records.
        return Mutator.inputs(random -> {
            IdentifyProto.Identify r = record.next(random);
            boolean split = random.nextBoolean();
            byte[] body = r.toByteArray();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (split && body.length > 0) {
                IdentifyProto.Identify first = r.toBuilder().clearListenAddrs().build();
                IdentifyProto.Identify second = IdentifyProto.Identify.newBuilder().addAllListenAddrs(r.getListenAddrsList()).build();
                for (byte[] part : new byte[][] {first.toByteArray(), second.toByteArray()}) {
                    Varint.write(part.length, out);
                    out.writeBytes(part);
                }
            } else {
                Varint.write(body.length, out);
                out.writeBytes(body);
            }
            return out.toByteArray();
        });
    }

    /** What the spec makes of the bytes: the frames before the first error, merged, or the error. */
    /** The fields of the messages this node uses, merged as protobuf merges them (strings kept as bytes). */
    private record Merged(byte[] publicKey, List<byte[]> addresses, List<byte[]> protocols) {
    }

    private record Model(Merged record, String error) {
        static Model of(byte[] data) {
            byte[] publicKey = null;
            List<byte[]> addresses = new java.util.ArrayList<>();
            List<byte[]> protocols = new java.util.ArrayList<>();
            int at = 0;
            int received = 0;
            while (at < data.length) {
                Varint.Decoded length;
                try {
                    length = Varint.decode(data, at);
                } catch (IllegalArgumentException e) {
                    if (e.getMessage().startsWith("truncated")) {
                        break;
                    }
                    return new Model(null, "invalid frame length prefix");
                }
                if (length.value() > Identify.MAX_MESSAGE_SIZE) {
                    return new Model(null, "exceeds the limit of " + Identify.MAX_MESSAGE_SIZE);
                }
                int start = at + length.length();
                if (data.length - start < length.value()) {
                    break;
                }
                received += (int) length.value();
                if (received > Identify.MAX_MESSAGE_SIZE) {
                    return new Model(null, "identify record exceeds");
                }
                com.google.protobuf.UnknownFieldSet fields;
                try {
                    // The wire format only: the reader takes strings as bytes (PeerInfo checks them later).
                    byte[] message = Arrays.copyOfRange(data, start, start + (int) length.value());
                    fields = com.google.protobuf.UnknownFieldSet.parseFrom(message);
                    // UnknownFieldSet reads a 10-byte varint whose last byte says "more" as a value (found by
                    // the long run); protobuf's own skipping, like the spec and the reader, refuses it.
                    com.google.protobuf.CodedInputStream strict = com.google.protobuf.CodedInputStream.newInstance(message);
                    for (int tag = strict.readTag(); tag != 0; tag = strict.readTag()) {
                        strict.skipField(tag);
                    }
                } catch (IOException e) {
                    return new Model(null, "identify record is not valid");
                }
                for (ByteString key : field(fields, 1)) {
                    if (key.size() > io.github.p2pboot.identity.PublicKey.MAX_PROTOBUF_BYTES) {
                        return new Model(null, "identify public key has " + key.size() + " bytes");
                    }
                    publicKey = key.toByteArray();
                }
                field(fields, 2).forEach(a -> addresses.add(a.toByteArray()));
                field(fields, 3).forEach(p -> protocols.add(p.toByteArray()));
                at = start + (int) length.value();
            }
            if (received == 0) {
                return new Model(null, "stream closed before an identify record arrived");
            }
            return new Model(new Merged(publicKey, addresses, protocols), null);
        }

        private static List<ByteString> field(com.google.protobuf.UnknownFieldSet fields, int number) {
            return fields.hasField(number) ? fields.getField(number).getLengthDelimitedList() : List.of();
        }
    }
}
