package io.github.p2pboot.kademlia;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.fuzzing.AllocationMeter;
import io.github.p2pboot.fuzzing.ChannelFeeder;
import io.github.p2pboot.fuzzing.EmbeddedStream;
import io.github.p2pboot.fuzzing.Fuzz;
import io.github.p2pboot.fuzzing.Gen;
import io.github.p2pboot.fuzzing.LeakReports;
import io.github.p2pboot.fuzzing.LogCapture;
import io.github.p2pboot.fuzzing.Mutator;
import io.github.p2pboot.fuzzing.TrackingAllocator;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.kademlia.pb.DhtProto.Message;
import io.github.p2pboot.kademlia.pb.DhtProto.Record;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmConfig;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes Kademlia requests as a DHT server reads them: the real server pipeline of
 * {@link KadStreams} (frame decoder, request reader) on a stream, answered by the real request
 * handler of a {@link Kademlia} node. Bad frames and bad requests close that stream only, with a
 * DEBUG line that says what was wrong; nothing escapes; every answer is one well-formed message
 * per request; every buffer is released.
 */
class KademliaFuzzTest {

    private static final AtomicInteger TRIES = new AtomicInteger();
    private static final PrivateKey PEER_KEY = PrivateKey.generateEd25519();
    private static final PeerId PEER = PeerId.fromPublicKey(PEER_KEY.publicKey());
    private static final String PROTOCOL = KademliaConfig.DEFAULTS.protocolId();
    /** What a refusal may say: the frame decoder's errors, protobuf's, and the server's own. */
    private static final String[] REFUSALS = {"invalid frame length prefix", "exceeds the limit of", "request is not a valid Kademlia message",
            "PUT_VALUE record key differs from the message key", "record for ", "unknown message type", "store is full"};

    private static LeakReports leaks;
    private static LogCapture log;
    private static Swarm swarm;
    private static Kademlia dht;

    @BeforeAll
    static void start() {
        leaks = new LeakReports();
        log = new LogCapture(KadStreams.class, Kademlia.class);
        // Never started: nothing listens, but the node's routing table, record store and peer store serve requests.
        swarm = new Swarm(SwarmConfig.builder(PrivateKey.generateEd25519()).build());
        dht = new Kademlia(swarm, KademliaConfig.builder().maxValueSize(1000).build());
        for (int i = 0; i < 30; i++) {
            PeerId other = PeerId.fromPublicKey(PrivateKey.generateEd25519().publicKey());
            dht.addPeer(other, List.of(Multiaddr.parse("/ip4/127.0.0." + (i + 1) + "/udp/4001/quic-v1")));
        }
    }

    @AfterAll
    static void noLeaks() {
        try {
            assertThat(leaks.collect()).isEmpty();
        } finally {
            leaks.close();
            log.close();
            swarm.close();
        }
    }

    @Test
    void requestsAreAnsweredOrTheStreamClosedWithAReason() {
        Fuzz.forAll(requests(), input -> {
            TrackingAllocator allocator = new TrackingAllocator();
            EmbeddedChannel channel = new EmbeddedChannel();
            ChannelFeeder feeder = new ChannelFeeder(channel, allocator);
            KadStreams.server(PROTOCOL, dht.requestHandler(), new KadStreams.ServerLoad(), KadStreams.maxRequestSize(1000)).handleStream(new EmbeddedStream(channel, PROTOCOL, PEER));
            log.clear();
            try {
                AllocationMeter meter = AllocationMeter.start();
                feeder.feed(input.chunks());
                boolean withinBudget = meter.withinBudget(input.bytes().length, TRIES);
                boolean open = channel.isOpen();
                if (open) {
                    channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                    channel.runPendingTasks();
                }
                byte[] answers = feeder.drainOutbound();
                feeder.finish();

                assertThat(feeder.escaped()).isEmpty();
                List<Message> responses = responses(answers);
                int requests = wholeFrames(input.bytes());
                assertThat(responses.size()).isLessThanOrEqualTo(requests);
                if (!open) {
                    // Refused as bad (the request), or as not storable (a record or provider entry: the stream ends).
                    assertThat(log.messages()).anySatisfy(m -> assertThat(m).satisfiesAnyOf(
                            refusal -> assertThat(refusal).startsWith("Refusing a Kademlia request from " + PEER + ": ").containsAnyOf(REFUSALS),
                            notStored -> assertThat(notStored).startsWith("Not storing ").contains(" from " + PEER + ": ")));
                }
                assertThat(allocator.unreleased()).isEmpty();
                assertThat(withinBudget).as("heap allocated while decoding, %d bytes", meter.allocated()).isTrue();
            } finally {
                allocator.releaseAll();
            }
        });
    }

    Gen<Mutator.Input> requests() {
        Gen<byte[]> key = Gen.oneOf(Gen.of("/fuzz/a", "/pk/x", "").map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Gen.bytes(0, 40));
        Gen<Message.MessageType> type = Gen.of(Message.MessageType.class).filter(t -> t != Message.MessageType.UNRECOGNIZED);
        Gen<byte[]> values = Gen.bytes(0, 60);
        Gen<Message> request = r -> {
            Message.MessageType t = type.next(r);
            byte[] k = key.next(r);
            byte[] value = values.next(r);
            Message.Builder b = Message.newBuilder().setType(t).setKey(ByteString.copyFrom(k));
            switch (t) {
                case PUT_VALUE -> b.setRecord(Record.newBuilder().setKey(ByteString.copyFrom(k)).setValue(ByteString.copyFrom(value)));
                case ADD_PROVIDER -> b.addProviderPeers(Message.Peer.newBuilder().setId(ByteString.copyFrom(PEER.toBytes()))
                        .addAddrs(ByteString.copyFrom(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001").toBytes()))
                        .addAddrs(ByteString.copyFrom(value)));
                default -> { }
            }
            return b.build();
        };
        return Mutator.inputs(request.list(1, 3).map(list -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Message m : list) {
                byte[] body = m.toByteArray();
                Varint.write(body.length, out);
                out.writeBytes(body);
            }
            return out.toByteArray();
        }));
    }

    /** The answers, each a whole frame holding a valid message. */
    private static List<Message> responses(byte[] data) throws Exception {
        List<Message> out = new ArrayList<>();
        int at = 0;
        while (at < data.length) {
            Varint.Decoded length = Varint.decode(data, at);
            int start = at + length.length();
            assertThat((long) data.length - start).isGreaterThanOrEqualTo(length.value());
            out.add(Message.parseFrom(java.util.Arrays.copyOfRange(data, start, start + (int) length.value())));
            at = start + (int) length.value();
        }
        return out;
    }

    private static int wholeFrames(byte[] data) {
        int frames = 0;
        int at = 0;
        while (at < data.length) {
            try {
                Varint.Decoded length = Varint.decode(data, at);
                if (length.value() > data.length - at - length.length()) {
                    break;
                }
                at += length.length() + (int) length.value();
                frames++;
            } catch (IllegalArgumentException e) {
                break;
            }
        }
        return frames;
    }
}
