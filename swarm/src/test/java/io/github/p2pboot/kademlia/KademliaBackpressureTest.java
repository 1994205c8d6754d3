package io.github.p2pboot.kademlia;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.kademlia.pb.DhtProto.Message;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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
 * about one answer for it instead of one per request, and goes on serving others.
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
    void aPeerThatNeverReadsItsAnswersIsNoLongerRead(String transport) throws Exception {
        Swarm server = swarms.start(b -> b.listen(transport));
        serverDht = new Kademlia(server, KademliaConfig.DEFAULTS);
        serverDht.registerValidator("test", (key, value) -> { });
        serverDht.start();
        serverDht.store().put(server.localPeerId(), KEY, new byte[VALUE_SIZE]);
        Swarm reader = swarms.start(b -> b.listen(transport));
        Swarm nonReader = swarms.start(b -> b.listen(transport));
        nonReader.dial(TestSwarms.address(server)).get(10, TimeUnit.SECONDS);

        // 400 requests of 15 bytes, 24 MB of answers: the peer's flow-control window (1 MiB for a
        // QUIC stream, 256 KiB for a Yamux stream) takes a few of them, the rest must not pile up here.
        Stream stream = nonReader.newStream(server.localPeerId(), PROTOCOL).get(10, TimeUnit.SECONDS);
        stream.channel().config().setAutoRead(false);
        ByteBuf requests = Unpooled.buffer();
        byte[] get = Message.newBuilder().setType(Message.MessageType.GET_VALUE).setKey(ByteString.copyFrom(KEY)).build().toByteArray();
        for (int i = 0; i < REQUESTS; i++) {
            Varint.write(get.length, requests);
            requests.writeBytes(get);
        }
        stream.channel().writeAndFlush(requests).get(10, TimeUnit.SECONDS);
        KadStreams.ServerLoad load = serverDht.serverLoad();
        await().atMost(Duration.ofSeconds(15)).until(() -> load.requestsServed() > 0);

        // Bound: what fits the peer's window, one answer being written, and the requests waiting.
        long bound = 1024 * 1024 / VALUE_SIZE + 1 + KadStreams.MAX_WAITING_REQUESTS + 2;
        List<Long> pending = new ArrayList<>();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(20)).until(() -> {
            pending.add(load.answerBytesPending());
            return load.requestsServed() <= bound;
        });
        assertThat(pending).allSatisfy(bytes -> assertThat(bytes).isLessThanOrEqualTo(2L * KadStreams.MAX_MESSAGE_SIZE));

        // Another peer is served meanwhile, with the full record.
        reader.dial(TestSwarms.address(server)).get(10, TimeUnit.SECONDS);
        Message answer = KadStreams.request(reader, PROTOCOL, server.localPeerId(),
                Message.newBuilder().setType(Message.MessageType.GET_VALUE).setKey(ByteString.copyFrom(KEY)).build(), true,
                Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
        assertThat(answer.getRecord().getValue().size()).isEqualTo(VALUE_SIZE);

        // Once the stream ends, nothing is held for it.
        stream.close();
        await().atMost(Duration.ofSeconds(15)).until(() -> load.answerBytesPending() == 0 && load.streams(nonReader.localPeerId()) == 0);
    }

    @Test
    void aPeerMayHaveOnlySoManyKademliaStreamsOpen() throws Exception {
        Swarm server = swarms.start();
        serverDht = new Kademlia(server, KademliaConfig.DEFAULTS);
        serverDht.start();
        Swarm client = swarms.start();
        client.dial(TestSwarms.address(server)).get(10, TimeUnit.SECONDS);
        KadStreams.ServerLoad load = serverDht.serverLoad();

        List<Stream> open = new ArrayList<>();
        for (int i = 0; i < KadStreams.MAX_INBOUND_STREAMS_PER_PEER; i++) {
            open.add(client.newStream(server.localPeerId(), PROTOCOL).get(10, TimeUnit.SECONDS));
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> load.streams(client.localPeerId()) == KadStreams.MAX_INBOUND_STREAMS_PER_PEER);
        Stream oneTooMany = client.newStream(server.localPeerId(), PROTOCOL).get(10, TimeUnit.SECONDS);

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
