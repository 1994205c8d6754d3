package io.github.p2pboot.protocol.identify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.github.p2pboot.codec.UvarintFrameDecoder;
import io.github.p2pboot.codec.Varint;
import io.github.p2pboot.identity.PeerId;
import io.github.p2pboot.identity.PrivateKey;
import io.github.p2pboot.multiaddr.Multiaddr;
import io.github.p2pboot.peerstore.InMemoryPeerStore;
import io.github.p2pboot.peerstore.PeerStoreUsage;
import io.github.p2pboot.protocol.identify.pb.IdentifyProto;
import io.github.p2pboot.swarm.Connection;
import io.github.p2pboot.swarm.PeerInfo;
import io.github.p2pboot.swarm.ProtocolHandler;
import io.github.p2pboot.swarm.Stream;
import io.github.p2pboot.swarm.StreamTestSupport;
import io.github.p2pboot.swarm.Swarm;
import io.github.p2pboot.swarm.SwarmListener;
import io.github.p2pboot.swarm.TestSwarms;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Peers that abuse identify, over real QUIC connections on loopback: records too large in every
 * field, floods of pushes from many identities, peers that never answer, pushes that never end.
 */
class IdentifyHostilePeerTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final TestSwarms swarms = new TestSwarms();

    @AfterEach
    void closeSwarms() {
        swarms.close();
    }

    /** Records every identify result the swarm reports. */
    private static List<PeerInfo> identified(Swarm swarm) {
        List<PeerInfo> seen = new CopyOnWriteArrayList<>();
        swarm.addListener(new SwarmListener() {
            @Override
            public void peerIdentified(PeerId peer, PeerInfo info) {
                seen.add(info);
            }
        });
        return seen;
    }

    /** Opens a push stream from {@code from} to {@code to} and writes {@code bytes} as they are. */
    private static Stream rawPush(Swarm from, Swarm to, byte[] bytes, boolean end) throws Exception {
        Stream stream = from.connection(to.localPeerId()).newStream(Identify.PUSH_PROTOCOL_ID).get(10, TimeUnit.SECONDS);
        stream.channel().writeAndFlush(Unpooled.wrappedBuffer(bytes)).addListener(f -> {
            if (end) {
                ((DuplexChannel) stream.channel()).shutdownOutput();
            }
        });
        return stream;
    }

    /** Completes when the peer has ended or closed {@code stream}: its FIN, a reset, or the stream gone. */
    private static CompletableFuture<Void> endedByPeer(Stream stream) {
        CompletableFuture<Void> ended = new CompletableFuture<>();
        stream.channel().closeFuture().addListener(f -> ended.complete(null));
        stream.channel().pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
                if (event instanceof ChannelInputShutdownEvent) {
                    ended.complete(null);
                }
                super.userEventTriggered(ctx, event);
            }
        });
        return ended;
    }

    private static byte[] framed(IdentifyProto.Identify message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] bytes = message.toByteArray();
        Varint.write(bytes.length, out);
        out.writeBytes(bytes);
        return out.toByteArray();
    }

    /** As large as the 64 KiB limit allows: thousands of addresses, hundreds of long protocols, a long agent. */
    private static IdentifyProto.Identify hugeRecord(PrivateKey key, String agentPrefix) {
        IdentifyProto.Identify.Builder message = IdentifyProto.Identify.newBuilder()
                .setPublicKey(ByteString.copyFrom(key.publicKey().marshal()))
                .setAgentVersion(agentPrefix + "a".repeat(8000))
                .setProtocolVersion("ipfs/0.1.0")
                .setObservedAddr(ByteString.copyFrom(new byte[4000]));
        IntStream.range(0, 2500).forEach(i -> message.addListenAddrs(
                ByteString.copyFrom(Multiaddr.parse("/ip4/10." + (i >> 8) + "." + (i & 0xff) + ".1/tcp/4001").toBytes())));
        IntStream.range(0, 200).forEach(i -> message.addProtocols(String.format("/hostile/%03d/", i) + "p".repeat(100)));
        return message.build();
    }

    @Test
    void aHugePushCostsABoundedTrimmedRecord() throws Exception {
        Swarm victim = swarms.start();
        List<PeerInfo> seen = identified(victim);
        PrivateKey hostileKey = PrivateKey.generateEd25519();
        Swarm hostile = swarms.start(hostileKey, b -> { });
        hostile.dial(TestSwarms.address(victim)).get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> victim.peerStore().info(hostile.localPeerId()).isPresent());
        IdentifyProto.Identify huge = hugeRecord(hostileKey, "hostile/");
        assertThat(huge.getSerializedSize()).isBetween(50_000, Identify.MAX_MESSAGE_SIZE);

        rawPush(hostile, victim, framed(huge), true);

        await().atMost(WAIT).until(() -> seen.stream().anyMatch(i -> i.agentVersion().startsWith("hostile/")));
        PeerInfo reported = seen.stream().filter(i -> i.agentVersion().startsWith("hostile/")).findFirst().orElseThrow();
        assertThat(reported.listenAddresses()).hasSize(PeerInfo.MAX_LISTEN_ADDRESSES);
        assertThat(reported.protocols()).hasSize(PeerInfo.MAX_PROTOCOLS);
        assertThat(reported.agentVersion()).hasSize(PeerInfo.MAX_VERSION_LENGTH);
        assertThat(reported.observedAddress()).isEmpty();
        PeerInfo stored = victim.peerStore().info(hostile.localPeerId()).orElseThrow();
        assertThat(stored.listenAddresses()).hasSize(InMemoryPeerStore.MAX_ADDRESSES_PER_SOURCE);
        assertThat(stored.protocols()).hasSize(PeerInfo.MAX_PROTOCOLS);
        assertThat(stored.agentVersion()).hasSize(PeerInfo.MAX_VERSION_LENGTH);
        // What the store keeps for the peer is a bounded part of the ~60 KB the peer sent.
        PeerStoreUsage usage = victim.peerStore().usage();
        assertThat(usage.peers()).isEqualTo(1);
        assertThat(usage.estimatedBytes()).isLessThanOrEqualTo(InMemoryPeerStore.MAX_ESTIMATED_PEER_BYTES)
                .isLessThan(huge.getSerializedSize());
        // And the connection still works.
        assertThat(hostile.connection(victim.localPeerId()).isOpen()).isTrue();
    }

    @Test
    void aFloodOfHugePushesFromManyIdentitiesKeepsThePeerStoreWithinItsByteBound() throws Exception {
        PrivateKey victimKey = PrivateKey.generateEd25519();
        long maxBytes = 3L * InMemoryPeerStore.MAX_ESTIMATED_PEER_BYTES;
        Swarm victim = swarms.start(victimKey, b -> b.peerStore(new InMemoryPeerStore(victimKey.peerId(), 1000, maxBytes)));
        List<PeerInfo> seen = identified(victim);
        int identities = 10;
        for (int i = 0; i < identities; i++) {
            PrivateKey key = PrivateKey.generateEd25519();
            Swarm hostile = swarms.start(key, b -> { });
            hostile.dial(TestSwarms.address(victim)).get(10, TimeUnit.SECONDS);
            String agent = "hostile-" + i + "/";
            for (int push = 0; push < 3; push++) {
                rawPush(hostile, victim, framed(hugeRecord(key, agent)), true);
            }
            await().atMost(WAIT).until(() -> seen.stream().anyMatch(info -> info.agentVersion().startsWith(agent)));
            assertThat(victim.peerStore().usage().estimatedBytes()).isLessThanOrEqualTo(maxBytes);
            // A throwaway identity: used once, then gone.
            hostile.disconnect(victim.localPeerId()).get(10, TimeUnit.SECONDS);
        }

        PeerStoreUsage usage = victim.peerStore().usage();
        assertThat(usage.estimatedBytes()).isLessThanOrEqualTo(maxBytes);
        assertThat(usage.peers()).isLessThan(identities).isEqualTo(victim.peerStore().peers().size());
        assertThat(usage.maxBytes()).isEqualTo(maxBytes);
    }

    @Test
    void protocolChangesWhileAPushIsUnderWayAreCoalesced() throws Exception {
        Swarm changing = swarms.start();
        Swarm watcher = swarms.start();
        AtomicInteger pushes = new AtomicInteger();
        AtomicReference<List<String>> latest = new AtomicReference<>(List.of());
        watcher.registerProtocol(new ProtocolHandler() {
            @Override
            public String protocolId() {
                return Identify.PUSH_PROTOCOL_ID;
            }

            @Override
            public void handleStream(Stream stream) {
                pushes.incrementAndGet();
                stream.channel().pipeline().addLast(new UvarintFrameDecoder(Identify.MAX_MESSAGE_SIZE), new SimpleChannelInboundHandler<ByteBuf>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) throws Exception {
                        latest.set(IdentifyProto.Identify.parseFrom(ByteBufUtil.getBytes(frame)).getProtocolsList());
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                        if (event instanceof ChannelInputShutdownEvent) {
                            ctx.close();
                        }
                    }
                });
            }
        });
        watcher.dial(TestSwarms.address(changing)).get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> watcher.peerStore().info(changing.localPeerId()).isPresent());

        int changes = 40;
        for (int i = 0; i < changes; i++) {
            changing.registerProtocol(StreamTestSupport.echoHandler("/p2pboot/test/coalesce/" + i));
        }

        await().atMost(WAIT).until(() -> latest.get().containsAll(
                IntStream.range(0, changes).mapToObj(i -> "/p2pboot/test/coalesce/" + i).toList()));
        assertThat(pushes.get()).isPositive().isLessThan(changes / 4);
    }

    @Test
    void aPeerThatNeverAnswersIsGivenUpAtTheDeadline() throws Exception {
        Swarm asker = swarms.start();
        Swarm silent = swarms.start();
        CompletableFuture<Void> endedByAsker = new CompletableFuture<>();
        silent.registerProtocol(new ProtocolHandler() {
            @Override
            public String protocolId() {
                return Identify.PROTOCOL_ID;
            }

            @Override
            public void handleStream(Stream stream) {
                endedByPeer(stream).thenRun(() -> endedByAsker.complete(null));
            }
        });
        asker.dial(TestSwarms.address(silent)).get(10, TimeUnit.SECONDS);
        Connection connection = asker.connection(silent.localPeerId());
        Identify identify = new Identify(PrivateKey.generateEd25519().publicKey(), Set::of, List::of, "test", info -> { },
                Duration.ofSeconds(1));

        long started = System.nanoTime();
        assertThatThrownBy(() -> identify.request(connection).get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasMessageContaining("identify record not complete within PT1S");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(WAIT);
        // The stream is closed on both sides, its buffers freed; the connection stays.
        endedByAsker.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(connection.isOpen()).isTrue();
    }

    @Test
    void aNewerPushReplacesOneThatNeverEnds() throws Exception {
        Swarm victim = swarms.start();
        List<PeerInfo> seen = identified(victim);
        PrivateKey hostileKey = PrivateKey.generateEd25519();
        Swarm hostile = swarms.start(hostileKey, b -> { });
        hostile.dial(TestSwarms.address(victim)).get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> victim.peerStore().info(hostile.localPeerId()).isPresent());
        byte[] whole = framed(IdentifyProto.Identify.newBuilder().setAgentVersion("first").build());

        Stream neverEnding = rawPush(hostile, victim, whole, false);
        CompletableFuture<Void> ended = endedByPeer(neverEnding);
        // rawPush returned once the victim had confirmed the first stream's protocol, so its push
        // handler holds the first stream before the second is even opened.
        rawPush(hostile, victim, framed(IdentifyProto.Identify.newBuilder().setAgentVersion("second").build()), true);

        // The victim closes the older push stream: the hostile side sees it end.
        ended.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> seen.stream().anyMatch(i -> i.agentVersion().equals("second")));
        assertThat(seen).noneMatch(i -> i.agentVersion().equals("first"));
    }

    @Test
    void perConnectionStateGoesWithTheConnection() throws Exception {
        Swarm a = swarms.start();
        Swarm b = swarms.start();
        a.dial(TestSwarms.address(b)).get(10, TimeUnit.SECONDS);
        Connection connection = a.connection(b.localPeerId());
        Identify identify = new Identify(PrivateKey.generateEd25519().publicKey(), Set::of, List::of, "test", info -> { });

        identify.push(connection);
        assertThat(identify.trackedConnections()).isEqualTo(1);
        connection.close().get(10, TimeUnit.SECONDS);

        await().atMost(WAIT).until(() -> identify.trackedConnections() == 0);
        identify.push(connection);
        assertThat(identify.trackedConnections()).isZero();
    }
}
