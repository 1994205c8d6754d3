package io.github.p2pboot.kademlia;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.kademlia.pb.DhtProto.Message;
import io.github.p2pboot.kademlia.pb.DhtProto.Record;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.TestSwarms;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Peers that try to make a node hold more than it can afford, over real connections on loopback:
 * floods of large records from one peer and from many identities, provider floods, long keys, and
 * records of namespaces without a validator. The store stays within its byte budget and each peer
 * within its quota, a second peer is still served, and what was refused is counted.
 */
class KademliaStoreLimitsTest {

    private static final String PROTOCOL = KademliaConfig.DEFAULTS.protocolId();
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int VALUE_SIZE = 60_000;
    /** What one record of {@link #VALUE_SIZE} bytes under a key of {@link #key} costs the store. */
    private static final long RECORD_COST = RecordStore.RECORD_OVERHEAD + "/test/flood-0000-0000".length() + VALUE_SIZE;

    private final TestSwarms swarms = new TestSwarms();
    private Swarm server;
    private Kademlia serverDht;

    @AfterEach
    void stop() {
        if (serverDht != null) {
            serverDht.close();
        }
        swarms.close();
    }

    private void startServer(Consumer<KademliaConfig.Builder> limits) {
        server = swarms.start();
        KademliaConfig.Builder config = KademliaConfig.builder().queryTimeout(Duration.ofSeconds(3));
        limits.accept(config);
        serverDht = new Kademlia(server, config.build());
        serverDht.registerValidator("test", (key, value) -> { });
        serverDht.start();
    }

    private Swarm client() throws Exception {
        Swarm client = swarms.start();
        client.dial(TestSwarms.address(server)).get(30, TimeUnit.SECONDS);
        return client;
    }

    @Test
    void aFloodOfLargeRecordsFromOnePeerStopsAtItsQuota() throws Exception {
        startServer(c -> c.maxStoreBytes(8L * 1024 * 1024).maxBytesPerPeer(512 * 1024));
        Swarm attacker = client();

        int stored = 0;
        for (int i = 0; i < 100; i++) {
            if (put(attacker, key(0, i), new byte[VALUE_SIZE])) {
                stored++;
            }
        }

        // 512 KiB holds 8 records of 60 kB with their bookkeeping; the other 92 are refused.
        assertThat(stored).isEqualTo((int) (512 * 1024 / RECORD_COST));
        RecordStore.Usage held = serverDht.store().usageOf(attacker.localPeerId());
        assertThat(held.bytes()).isLessThanOrEqualTo(512 * 1024);
        assertThat(held.entries()).isEqualTo(stored);
        StoreUsage usage = serverDht.storeUsage();
        assertThat(usage.records()).isEqualTo(stored);
        assertThat(usage.bytes()).isEqualTo(held.bytes());
        assertThat(usage.peers()).isEqualTo(1);
        assertThat(usage.refused()).isEqualTo(100 - stored);
        // Refusals are not misbehaviour: the connection stays and the node serves the peer.
        assertThat(attacker.connection(server.localPeerId()).isOpen()).isTrue();
        assertThat(findNode(attacker).getType()).isEqualTo(Message.MessageType.FIND_NODE);
    }

    @Test
    void aFloodFromManyIdentitiesStopsAtTheStoreBudget() throws Exception {
        long budget = 1024 * 1024;
        startServer(c -> c.maxStoreBytes(budget).maxBytesPerPeer(256 * 1024));
        List<Swarm> attackers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            attackers.add(client());
        }

        List<CompletableFuture<Integer>> floods = new ArrayList<>();
        for (int a = 0; a < attackers.size(); a++) {
            Swarm attacker = attackers.get(a);
            int identity = a;
            floods.add(CompletableFuture.supplyAsync(() -> {
                int stored = 0;
                for (int i = 0; i < 10; i++) {
                    if (put(attacker, key(identity, i), new byte[VALUE_SIZE])) {
                        stored++;
                    }
                }
                return stored;
            }));
        }
        int stored = 0;
        for (CompletableFuture<Integer> flood : floods) {
            stored += flood.get(60, TimeUnit.SECONDS);
        }

        // 10 identities × 256 KiB would be 2.5 MiB: the 1 MiB budget stops them, full to within a record.
        StoreUsage usage = serverDht.storeUsage();
        assertThat(usage.bytes()).isLessThanOrEqualTo(budget).isGreaterThan(budget - RECORD_COST);
        assertThat(usage.records()).isEqualTo(stored).isEqualTo((int) (budget / RECORD_COST));
        assertThat(usage.refused()).isEqualTo(100 - stored);
        for (Swarm attacker : attackers) {
            assertThat(serverDht.store().usageOf(attacker.localPeerId()).bytes()).isLessThanOrEqualTo(256 * 1024);
        }
    }

    @Test
    void aPeerAtItsQuotaDoesNotStarveAnotherNorEvictAnything() throws Exception {
        startServer(c -> c.maxStoreBytes(8L * 1024 * 1024).maxBytesPerPeer(256 * 1024));
        Swarm flooder = client();
        Swarm other = client();
        int stored = 0;
        while (put(flooder, key(0, stored), new byte[VALUE_SIZE])) {
            stored++;
            assertThat(stored).as("records stored before the quota held").isLessThan(100);
        }

        byte[] value = "the other peer's record".getBytes(StandardCharsets.UTF_8);
        assertThat(put(other, key(1, 0), value)).isTrue();

        assertThat(put(flooder, key(0, 999), new byte[VALUE_SIZE])).as("the flooder is still refused").isFalse();
        assertThat(getRecord(other, key(1, 0))).isEqualTo(value);
        for (int i = 0; i < stored; i++) {
            assertThat(getRecord(other, key(0, i))).as("the flooder's record %d, kept", i).hasSize(VALUE_SIZE);
        }
    }

    @Test
    void aProviderFloodStopsAtThePeersQuotaAndAnotherProviderIsKept() throws Exception {
        startServer(c -> c.maxEntriesPerPeer(100));
        Swarm flooder = client();
        Swarm other = client();

        // ADD_PROVIDER has no answer; go-libp2p sends many on one stream, so does this flood.
        Stream stream = flooder.newStream(server.localPeerId(), PROTOCOL).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < 300; i++) {
            stream.channel().write(frame(addProvider(flooder, providerKey(i))));
        }
        stream.channel().flush();
        await().atMost(WAIT).until(() -> serverDht.storeUsage().refused() == 200);
        send(other, addProvider(other, providerKey(0)));
        await().atMost(WAIT).until(() -> serverDht.store().providers(providerKey(0)).contains(other.localPeerId()));

        assertThat(serverDht.storeUsage().providerEntries()).isEqualTo(101);
        assertThat(serverDht.store().usageOf(flooder.localPeerId()).entries()).isEqualTo(100);
        assertThat(serverDht.store().providers(providerKey(0))).contains(flooder.localPeerId(), other.localPeerId());
        assertThat(serverDht.store().providers(providerKey(299))).isEmpty();
        assertThat(stream.channel().isActive()).as("the flooder's stream is not closed for a refusal").isTrue();
    }

    @Test
    void aRecordKeyLongerThanTheLimitIsRefusedAndTheStreamClosed() throws Exception {
        startServer(c -> { });
        Swarm client = client();
        byte[] longKey = ("/test/" + "k".repeat(Kademlia.MAX_RECORD_KEY_SIZE)).getBytes(StandardCharsets.UTF_8);

        assertThat(put(client, longKey, new byte[10])).as("a key longer than the limit").isFalse();

        assertThat(serverDht.storeUsage().records()).isZero();
        assertThat(serverDht.storeUsage().refused()).isEqualTo(1);
        byte[] limitKey = Arrays.copyOf(longKey, Kademlia.MAX_RECORD_KEY_SIZE);
        assertThat(put(client, limitKey, new byte[10])).as("a key of exactly the limit").isTrue();
        assertThatThrownBy(() -> serverDht.putValue(longKey, new byte[10]).get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key of " + longKey.length + " bytes exceeds the limit of " + Kademlia.MAX_RECORD_KEY_SIZE);
    }

    @Test
    void aProviderKeyLongerThanTheLimitIsRefusedAndTheStreamClosed() throws Exception {
        startServer(c -> { });
        Swarm client = client();

        // A key of 129 bytes, one more than the limit: the request is read and refused.
        Stream stream = client.newStream(server.localPeerId(), PROTOCOL).get(30, TimeUnit.SECONDS);
        stream.channel().writeAndFlush(frame(addProvider(client, new byte[Kademlia.MAX_PROVIDER_KEY_SIZE + 1])));
        awaitEnded(stream);
        assertThat(serverDht.storeUsage().refused()).isEqualTo(1);
        // The attack measured: ADD_PROVIDER with a key of 500 kB, refused from its length prefix.
        Stream large = client.newStream(server.localPeerId(), PROTOCOL).get(30, TimeUnit.SECONDS);
        large.channel().writeAndFlush(frame(addProvider(client, new byte[500_000])));
        awaitEnded(large);

        assertThat(serverDht.storeUsage().providerEntries()).isZero();
        assertThat(serverDht.storeUsage().bytes()).isZero();
        assertThat(client.connection(server.localPeerId()).isOpen()).isTrue();
        assertThatThrownBy(() -> serverDht.provide(new byte[Kademlia.MAX_PROVIDER_KEY_SIZE + 1]).get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceeds the limit of 128");
        assertThat(findNode(client).getType()).isEqualTo(Message.MessageType.FIND_NODE);
    }

    private static void awaitEnded(Stream stream) {
        await().atMost(WAIT).until(() -> !stream.channel().isActive()
                || ((io.netty.channel.socket.DuplexChannel) stream.channel()).isInputShutdown());
    }

    @Test
    void recordsOfNamespacesWithoutAValidatorAreNeitherStoredNorServed() throws Exception {
        startServer(c -> { });
        Swarm client = client();
        List<String> keys = List.of("/pk/someone", "/ipns/someone", "no-namespace", "/unregistered/x");

        for (String key : keys) {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            assertThat(put(client, bytes, "value".getBytes(StandardCharsets.UTF_8))).as("PUT_VALUE to %s", key).isFalse();
            Message answer = request(client, Message.newBuilder().setType(Message.MessageType.GET_VALUE)
                    .setKey(ByteString.copyFrom(bytes)).build());
            assertThat(answer.hasRecord()).as("GET_VALUE of %s", key).isFalse();
        }

        assertThat(serverDht.storeUsage().records()).isZero();
        assertThat(serverDht.storeUsage().refused()).isEqualTo(keys.size());
        assertThat(serverDht.routingTablePeers()).doesNotContain(client.localPeerId());
        byte[] pk = "/pk/mine".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> serverDht.putValue(pk, new byte[1]).get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace 'pk' has no registered validator");
        assertThatThrownBy(() -> serverDht.getValue(pk).get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace 'pk' has no registered validator");
        // Once a validator is registered, the namespace is served.
        serverDht.registerValidator("pk", (key, value) -> { });
        assertThat(put(client, pk, new byte[1])).isTrue();
    }

    /** PUT_VALUE on a stream of its own; whether the server echoed it (stored it). */
    private boolean put(Swarm from, byte[] key, byte[] value) {
        try {
            Message echo = request(from, putValue(key, value));
            return echo.getType() == Message.MessageType.PUT_VALUE;
        } catch (ExecutionException e) {
            // A refusal ends the stream without an answer: seen as its end, or as our write cut
            // short when the end comes first (QUIC under load); a timeout would be no refusal.
            if (!(e.getCause() instanceof java.nio.channels.ClosedChannelException)) {
                assertThat(e).hasRootCauseMessage("Kademlia stream to " + server.localPeerId() + " closed before a response");
            }
            return false;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private byte[] getRecord(Swarm from, byte[] key) throws Exception {
        Message answer = request(from, Message.newBuilder().setType(Message.MessageType.GET_VALUE).setKey(ByteString.copyFrom(key)).build());
        assertThat(answer.hasRecord()).as("a record for %s", new String(key, StandardCharsets.UTF_8)).isTrue();
        return answer.getRecord().getValue().toByteArray();
    }

    private Message findNode(Swarm from) throws Exception {
        return request(from, Message.newBuilder().setType(Message.MessageType.FIND_NODE).setKey(ByteString.copyFromUtf8("k")).build());
    }

    private Message request(Swarm from, Message request) throws Exception {
        return KadStreams.request(from, PROTOCOL, server.localPeerId(), request, true, Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
    }

    private void send(Swarm from, Message message) throws Exception {
        KadStreams.request(from, PROTOCOL, server.localPeerId(), message, false, Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
    }

    private static byte[] key(int identity, int record) {
        return String.format("/test/flood-%04d-%04d", identity, record).getBytes(StandardCharsets.UTF_8);
    }

    /** A 34-byte key, the size of a SHA-256 multihash. */
    private static byte[] providerKey(int i) {
        byte[] key = new byte[34];
        key[0] = 0x12;
        key[1] = 32;
        key[2] = (byte) (i >> 8);
        key[3] = (byte) i;
        return key;
    }

    private static Message putValue(byte[] key, byte[] value) {
        return Message.newBuilder().setType(Message.MessageType.PUT_VALUE).setKey(ByteString.copyFrom(key))
                .setRecord(Record.newBuilder().setKey(ByteString.copyFrom(key)).setValue(ByteString.copyFrom(value))).build();
    }

    private static Message addProvider(Swarm provider, byte[] key) {
        PeerId id = provider.localPeerId();
        return Message.newBuilder().setType(Message.MessageType.ADD_PROVIDER).setKey(ByteString.copyFrom(key))
                .addProviderPeers(Message.Peer.newBuilder().setId(ByteString.copyFrom(id.toBytes()))).build();
    }

    private static ByteBuf frame(Message message) {
        byte[] bytes = message.toByteArray();
        ByteBuf frame = Unpooled.buffer();
        Varint.write(bytes.length, frame);
        frame.writeBytes(bytes);
        return frame;
    }
}
