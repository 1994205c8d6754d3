package io.github.p2pboot.kademlia;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.kademlia.pb.DhtProto.Message;
import io.github.p2pboot.kademlia.pb.DhtProto.Record;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A peer that sends requests and never reads the answers, over QUIC and over TCP (Yamux): the
 * node stops reading its stream while an answer is not taken by the transport, so it holds at most
 * about one answer for it instead of one per request; a burst of requests past the few that may
 * wait closes the stream. The node goes on serving others.
 */
class KademliaBackpressureTest {

    private static final String PROTOCOL = KademliaConfig.DEFAULTS.protocolId();
    private static final int REQUESTS = 400;
    private static final int VALUE_SIZE = 60_000;
    private static final byte[] KEY = "/test/large".getBytes(StandardCharsets.UTF_8);

    private final TestSwarms swarms = new TestSwarms();
    private Kademlia serverDht;

    @AfterEach
    void stop() {
        if (serverDht != null) {
            serverDht.close();
        }
        swarms.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {TestSwarms.LOOPBACK_QUIC, TestSwarms.LOOPBACK_TCP})
    void aPeerThatSendsRequestsAndNeverReadsTheAnswersIsNoLongerRead(String transport) throws Exception {
        Swarm server = startServer(transport);
        Swarm nonReader = swarms.start(b -> b.listen(transport));
        nonReader.dial(TestSwarms.address(server)).get(30, TimeUnit.SECONDS);
        Stream stream = nonReader.newStream(server.localPeerId(), PROTOCOL).get(30, TimeUnit.SECONDS);
        stream.channel().config().setAutoRead(false);
        KadStreams.ServerLoad load = serverDht.serverLoad();

        // Requests of 60 kB (a GET_VALUE padded with a record the server ignores), each sent once
        // the last was taken by the transport, until one is not taken: the server stopped reading
        // and flow control stopped us. Without backpressure all 500 would go, 30 MB of answers queued.
        byte[] request = frameBytes(Message.newBuilder().setType(Message.MessageType.GET_VALUE).setKey(ByteString.copyFrom(KEY))
                .setRecord(Record.newBuilder().setValue(ByteString.copyFrom(new byte[VALUE_SIZE]))).build());
        // This peer writes without waiting for writability, so its own QUIC stack may take up to
        // the whole connection window (16 MiB) before a write stalls; its pings then wait behind
        // it and its own liveness may close the connection first (once in a CI run). Either way
        // the server holds no more than the bound below.
        int sent = 0;
        boolean stalled = false;
        boolean closed = false;
        while (sent < 500 && !stalled && !closed) {
            ChannelFuture write = stream.channel().writeAndFlush(Unpooled.wrappedBuffer(request));
            stalled = !write.await(3, TimeUnit.SECONDS);
            closed = !stalled && !write.isSuccess();
            sent++;
        }

        assertThat(stalled || closed).as("the server stopped reading, or closed the stream, after %d requests", sent).isTrue();
        if (closed) {
            await().atMost(Duration.ofSeconds(15)).until(() -> !stream.channel().isActive() && load.streams(nonReader.localPeerId()) == 0);
        }
        // What the peer's window takes (1 MiB for a QUIC stream, 256 KiB for Yamux), the answer
        // being written, and the requests waiting for their turn.
        long bound = 1024 * 1024 / VALUE_SIZE + 2 + KadStreams.MAX_WAITING_REQUESTS;
        List<Long> pending = new ArrayList<>();
        long served = load.requestsServed();
        await("requests served stay at " + served).during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> {
            pending.add(load.answerBytesPending());
            return load.requestsServed() == served;
        });
        assertThat(served).isLessThanOrEqualTo(bound);
        assertThat(pending).allSatisfy(bytes -> assertThat(bytes).isLessThanOrEqualTo(KadStreams.MAX_MESSAGE_SIZE));

        assertServesAnotherPeer(server, transport);
        // Once the stream ends (the peer closes it, or our answer deadline passes), nothing is held for it.
        stream.close();
        await().atMost(KadStreams.ANSWER_DEADLINE.plusSeconds(15)).until(() -> load.answerBytesPending() == 0 && load.streams(nonReader.localPeerId()) == 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {TestSwarms.LOOPBACK_QUIC, TestSwarms.LOOPBACK_TCP})
    void aBurstOfRequestsWhoseAnswersAreNotReadClosesTheStream(String transport) throws Exception {
        Swarm server = startServer(transport);
        Swarm nonReader = swarms.start(b -> b.listen(transport));
        nonReader.dial(TestSwarms.address(server)).get(30, TimeUnit.SECONDS);
        Stream stream = nonReader.newStream(server.localPeerId(), PROTOCOL).get(30, TimeUnit.SECONDS);
        stream.channel().config().setAutoRead(false);
        KadStreams.ServerLoad load = serverDht.serverLoad();

        // 400 requests of 15 bytes in one go, 24 MB of answers: they arrive in one read, faster
        // than the answers can go out; past the few that may wait, the stream is closed.
        byte[] get = frameBytes(Message.newBuilder().setType(Message.MessageType.GET_VALUE).setKey(ByteString.copyFrom(KEY)).build());
        ByteBuf requests = Unpooled.buffer();
        for (int i = 0; i < REQUESTS; i++) {
            requests.writeBytes(get);
        }
        stream.channel().writeAndFlush(requests).get(30, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(15)).until(() -> load.streams(nonReader.localPeerId()) == 0);
        assertThat(load.requestsServed()).isLessThanOrEqualTo(1024 * 1024 / VALUE_SIZE + 2);
        assertThat(load.answerBytesPending()).isZero();
        assertThat(nonReader.connection(server.localPeerId()).isOpen()).isTrue();
        assertServesAnotherPeer(server, transport);
    }

    private Swarm startServer(String transport) throws Exception {
        Swarm server = swarms.start(b -> b.listen(transport));
        serverDht = new Kademlia(server, KademliaConfig.DEFAULTS);
        serverDht.registerValidator("test", (key, value) -> { });
        serverDht.start();
        serverDht.store().put(server.localPeerId(), KEY, new byte[VALUE_SIZE]);
        return server;
    }

    /** Another peer is served meanwhile, with the full record. */
    private void assertServesAnotherPeer(Swarm server, String transport) throws Exception {
        Swarm reader = swarms.start(b -> b.listen(transport));
        reader.dial(TestSwarms.address(server)).get(30, TimeUnit.SECONDS);
        Message answer = KadStreams.request(reader, PROTOCOL, server.localPeerId(),
                Message.newBuilder().setType(Message.MessageType.GET_VALUE).setKey(ByteString.copyFrom(KEY)).build(), true,
                Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
        assertThat(answer.getRecord().getValue().size()).isEqualTo(VALUE_SIZE);
    }

    private static byte[] frameBytes(Message message) {
        byte[] body = message.toByteArray();
        ByteBuf frame = Unpooled.buffer();
        Varint.write(body.length, frame);
        frame.writeBytes(body);
        byte[] bytes = new byte[frame.readableBytes()];
        frame.readBytes(bytes);
        return bytes;
    }

    @Test
    void aPeerMayHaveOnlySoManyKademliaStreamsOpen() throws Exception {
        Swarm server = swarms.start();
        serverDht = new Kademlia(server, KademliaConfig.DEFAULTS);
        serverDht.start();
        Swarm client = swarms.start();
        client.dial(TestSwarms.address(server)).get(30, TimeUnit.SECONDS);
        KadStreams.ServerLoad load = serverDht.serverLoad();

        List<Stream> open = new ArrayList<>();
        for (int i = 0; i < KadStreams.MAX_INBOUND_STREAMS_PER_PEER; i++) {
            open.add(client.newStream(server.localPeerId(), PROTOCOL).get(10, TimeUnit.SECONDS));
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> load.streams(client.localPeerId()) == KadStreams.MAX_INBOUND_STREAMS_PER_PEER);
        Stream oneTooMany = client.newStream(server.localPeerId(), PROTOCOL).get(30, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(15)).until(() -> !oneTooMany.channel().isActive()
                || ((io.netty.channel.socket.DuplexChannel) oneTooMany.channel()).isInputShutdown());
        assertThat(open).allSatisfy(s -> assertThat(s.channel().isActive()).isTrue());
        assertThat(load.streams(client.localPeerId())).isEqualTo(KadStreams.MAX_INBOUND_STREAMS_PER_PEER);

        // Closing one makes room again: a request on a new stream is answered.
        open.get(0).close();
        await().atMost(Duration.ofSeconds(15)).until(() -> load.streams(client.localPeerId()) < KadStreams.MAX_INBOUND_STREAMS_PER_PEER);
        Message answer = KadStreams.request(client, PROTOCOL, server.localPeerId(),
                Message.newBuilder().setType(Message.MessageType.FIND_NODE).setKey(ByteString.copyFromUtf8("k")).build(), true,
                Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
        assertThat(answer.getType()).isEqualTo(Message.MessageType.FIND_NODE);
    }
}
