package io.github.p2pboot.kademlia;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.kademlia.pb.DhtProto.Message;
import io.github.p2pboot.kademlia.pb.DhtProto.Record;
import io.github.p2pboot.swarm.ProtocolHandler;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad Kademlia input: each case closes only the offending stream, leaves nothing stored, keeps
 * the offending peer out of the routing table, and the node goes on serving.
 */
class KademliaBadInputTest {

    private static final String PROTOCOL = KademliaConfig.DEFAULTS.protocolId();
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final TestSwarms swarms = new TestSwarms();
    private Swarm server;
    private Kademlia serverDht;
    private Swarm client;

    @BeforeEach
    void start() throws Exception {
        server = swarms.start();
        serverDht = new Kademlia(server, KademliaConfig.builder().queryTimeout(Duration.ofSeconds(3)).maxValueSize(100).build());
        serverDht.registerValidator("strict", (key, value) -> {
            if (!new String(value, StandardCharsets.UTF_8).startsWith("ok:")) {
                throw new InvalidRecordException("value must start with ok:");
            }
        });
        serverDht.start();
        client = swarms.start();
        client.dial(TestSwarms.address(server)).get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        serverDht.close();
        swarms.close();
    }

    @Test
    void oversizedMessageClosesTheStream() throws Exception {
        ByteBuf frame = Unpooled.buffer();
        Varint.write(KadStreams.MAX_MESSAGE_SIZE + 1, frame);
        frame.writeZero(64);

        assertClosedAndServing(send(frame));
    }

    @Test
    void requestLongerThanTheLargestRecordNeedsClosesTheStream() throws Exception {
        // With values of at most 100 bytes, a request announcing 16 kB more is refused from its
        // length prefix: an unfinished request holds at most that much per stream, not 1 MiB.
        ByteBuf frame = Unpooled.buffer();
        Varint.write(KadStreams.maxRequestSize(100) + 1, frame);
        frame.writeZero(64);

        assertClosedAndServing(send(frame));
    }

    @Test
    void truncatedProtobufClosesTheStream() throws Exception {
        byte[] valid = Message.newBuilder().setType(Message.MessageType.FIND_NODE).setKey(ByteString.copyFromUtf8("some key")).build().toByteArray();
        ByteBuf frame = Unpooled.buffer();
        Varint.write(valid.length - 3, frame);
        frame.writeBytes(valid, 0, valid.length - 3);

        assertClosedAndServing(send(frame));
    }

    @Test
    void unknownMessageTypeClosesTheStream() throws Exception {
        // Field 1 (type) = 99: a value no MessageType has.
        byte[] unknown = {0x08, 99};
        ByteBuf frame = Unpooled.buffer();
        Varint.write(unknown.length, frame);
        frame.writeBytes(unknown);

        assertClosedAndServing(send(frame));
    }

    @Test
    void recordThatFailsValidationIsNotStored() throws Exception {
        byte[] key = "/strict/a".getBytes(StandardCharsets.UTF_8);
        Message put = Message.newBuilder().setType(Message.MessageType.PUT_VALUE).setKey(ByteString.copyFrom(key))
                .setRecord(Record.newBuilder().setKey(ByteString.copyFrom(key)).setValue(ByteString.copyFromUtf8("bad"))).build();

        assertClosedAndServing(send(frame(put)));
        assertThat(serverDht.getValue(key).get(10, TimeUnit.SECONDS).value()).isEmpty();
    }

    @Test
    void oversizedRecordValueIsNotStored() throws Exception {
        byte[] key = "/strict/big".getBytes(StandardCharsets.UTF_8);
        Message put = Message.newBuilder().setType(Message.MessageType.PUT_VALUE).setKey(ByteString.copyFrom(key))
                .setRecord(Record.newBuilder().setKey(ByteString.copyFrom(key)).setValue(ByteString.copyFrom(new byte[101]))).build();

        assertClosedAndServing(send(frame(put)));
        assertThat(serverDht.getValue(key).get(10, TimeUnit.SECONDS).value()).isEmpty();
    }

    @Test
    void peerThatAnswersGarbageLeavesTheRoutingTableAndTheLookupGoesOn() throws Exception {
        Swarm liar = swarms.start();
        liar.registerProtocol(garbageAnswerer());
        Swarm honest = swarms.start();
        Kademlia honestDht = new Kademlia(honest, KademliaConfig.DEFAULTS);
        honestDht.start();
        try {
            serverDht.addPeer(liar.localPeerId(), liar.listenAddresses());
            serverDht.addPeer(honest.localPeerId(), honest.listenAddresses());
            assertThat(serverDht.routingTablePeers()).contains(liar.localPeerId(), honest.localPeerId());

            QueryResult<List<PeerId>> result = serverDht.findClosestPeers("anything".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);

            assertThat(result.closestPeers()).contains(honest.localPeerId()).doesNotContain(liar.localPeerId());
            assertThat(serverDht.routingTablePeers()).doesNotContain(liar.localPeerId());
        } finally {
            honestDht.close();
        }
    }

    @Test
    void peerThatNeverAnswersTimesOutAndTheLookupGoesOn() throws Exception {
        Swarm silent = swarms.start();
        silent.registerProtocol(silentListener());
        Swarm honest = swarms.start();
        Kademlia honestDht = new Kademlia(honest, KademliaConfig.DEFAULTS);
        honestDht.start();
        try {
            serverDht.addPeer(silent.localPeerId(), silent.listenAddresses());
            serverDht.addPeer(honest.localPeerId(), honest.listenAddresses());

            QueryResult<List<PeerId>> result = serverDht.findClosestPeers("anything".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);

            assertThat(result.closestPeers()).contains(honest.localPeerId()).doesNotContain(silent.localPeerId());
            assertThat(serverDht.routingTablePeers()).doesNotContain(silent.localPeerId());
        } finally {
            honestDht.close();
        }
    }

    @Test
    void lookupThatRunsOutOfTimeReturnsWhatItHasMarkedTimedOut() throws Exception {
        // One request at a time to five silent peers: more than the 1-second query timeout in all.
        // A node of its own, which knows no peer but the silent ones.
        Kademlia impatient = new Kademlia(swarms.start(), KademliaConfig.builder().parallelism(1).queryTimeout(Duration.ofSeconds(1)).build());
        impatient.start();
        try {
            for (int i = 0; i < 5; i++) {
                Swarm silent = swarms.start();
                silent.registerProtocol(silentListener());
                impatient.addPeer(silent.localPeerId(), silent.listenAddresses());
            }
            long start = System.nanoTime();

            QueryResult<List<PeerId>> result = impatient.findClosestPeers("anything".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);

            assertThat(result.timedOut()).isTrue();
            assertThat(result.value()).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        } finally {
            impatient.close();
        }
    }

    private Channel send(ByteBuf frame) throws Exception {
        Stream stream = client.newStream(server.localPeerId(), PROTOCOL).get(10, TimeUnit.SECONDS);
        stream.channel().writeAndFlush(frame);
        return stream.channel();
    }

    private void assertClosedAndServing(Channel stream) throws Exception {
        await().atMost(WAIT).until(() -> !stream.isActive() || ((io.netty.channel.socket.DuplexChannel) stream).isInputShutdown());
        assertThat(client.connection(server.localPeerId()).isOpen()).isTrue();
        // The node goes on serving: a well-formed request on a new stream is answered.
        Message answer = KadStreams.request(client, PROTOCOL, server.localPeerId(),
                Message.newBuilder().setType(Message.MessageType.FIND_NODE).setKey(ByteString.copyFromUtf8("k")).build(), true,
                Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
        assertThat(answer.getType()).isEqualTo(Message.MessageType.FIND_NODE);
        assertThat(serverDht.routingTablePeers()).doesNotContain(client.localPeerId());
    }

    private static ByteBuf frame(Message message) {
        byte[] bytes = message.toByteArray();
        ByteBuf frame = Unpooled.buffer();
        Varint.write(bytes.length, frame);
        frame.writeBytes(bytes);
        return frame;
    }

    /** A fake DHT server that answers every request with a frame of bytes that is no protobuf. */
    private static ProtocolHandler garbageAnswerer() {
        return fakeServer(ctx -> {
            ByteBuf garbage = Unpooled.buffer();
            Varint.write(5, garbage);
            garbage.writeBytes(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
            ctx.writeAndFlush(garbage);
        });
    }

    /** A fake DHT server that reads requests and never answers. */
    private static ProtocolHandler silentListener() {
        return fakeServer(ctx -> { });
    }

    private static ProtocolHandler fakeServer(java.util.function.Consumer<io.netty.channel.ChannelHandlerContext> onRequest) {
        return new ProtocolHandler() {
            @Override
            public String protocolId() {
                return PROTOCOL;
            }

            @Override
            public void handleStream(Stream stream) {
                stream.channel().pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                        io.netty.util.ReferenceCountUtil.release(msg);
                        onRequest.accept(ctx);
                    }
                });
            }
        };
    }
}
