package io.github.p2pboot.muxer.yamux;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.p2pboot.multistream.MultistreamDialer;
import io.github.p2pboot.multistream.MultistreamListener;
import io.github.p2pboot.resource.Incidents;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Yamux between two real TCP channels on loopback, and against a raw socket that writes
 * hand-made frames for the protocol checks a well-behaved peer never triggers.
 */
class YamuxTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final int SMALL_BUFFER = 16 * 1024;
    /** What a flood makes the session write: far beyond any bound the tests below accept. */
    private static final int FLOOD_BYTES = 8 * 1024 * 1024;
    /** What the session may hold for a peer that does not read, generously. */
    private static final long BOUND = 1024 * 1024;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final List<Channel> toClose = new ArrayList<>();
    /** Exceptions that reached any stream pipeline's end: a quiet RST must add none. */
    private final List<Throwable> streamErrors = new CopyOnWriteArrayList<>();
    private final Incidents incidents = new Incidents();

    @AfterEach
    void tearDown() {
        for (Channel c : toClose) {
            c.close().awaitUninterruptibly(5, SECONDS);
        }
        group.shutdownGracefully(0, 1, SECONDS).awaitUninterruptibly(5, SECONDS);
    }

    /**
     * With {@code -Dio.netty.leakDetection.level=paranoid}, leaked buffers are only reported once
     * collected and another buffer is allocated: make both happen before the JVM exits.
     */
    @AfterAll
    static void provokeLeakReports() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            ByteBufAllocator.DEFAULT.buffer(16).release();
            Unpooled.directBuffer(16).release();
        }
    }

    // ---- session to session ----

    @Test
    void echoesOneByteEachWay() throws Exception {
        Connected c = connect(16, this::echo, this::echo);

        assertThat(echoThrough(c.client, new byte[] {42})).containsExactly(42);
        assertThat(echoThrough(c.server, new byte[] {7})).containsExactly(7);
    }

    @Test
    void echoesOneMebibyteEachWayThroughFlowControl() throws Exception {
        Connected c = connect(16, this::echo, this::echo);
        byte[] data = random(1024 * 1024, 1);

        assertThat(echoThrough(c.client, data)).isEqualTo(data);
        assertThat(echoThrough(c.server, data)).isEqualTo(data);
    }

    @Test
    void hundredConcurrentStreams() throws Exception {
        Connected c = connect(200, this::echo, this::echo);
        List<Collector> collectors = new ArrayList<>();
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            byte[] data = random(20_000 + i, i);
            YamuxSession opener = i % 2 == 0 ? c.client : c.server;
            Channel stream = opener.openStream().get(5, SECONDS);
            Collector col = new Collector();
            stream.pipeline().addLast(col);
            stream.writeAndFlush(Unpooled.wrappedBuffer(data));
            ((DuplexChannel) stream).shutdownOutput();
            collectors.add(col);
            sent.add(data);
        }
        for (int i = 0; i < 100; i++) {
            assertThat(collectors.get(i).ended.get(10, SECONDS)).isEqualTo(sent.get(i));
            collectors.get(i).inactive.get(5, SECONDS);
        }
    }

    @Test
    void streamChannelsFollowTheSidesParityAndMirrorTheirConnection() throws Exception {
        Connected c = connect(16, this::echo, this::echo);
        YamuxStreamChannel a = (YamuxStreamChannel) c.client.openStream().get(5, SECONDS);
        YamuxStreamChannel b = (YamuxStreamChannel) c.client.openStream().get(5, SECONDS);
        YamuxStreamChannel s = (YamuxStreamChannel) c.server.openStream().get(5, SECONDS);

        assertThat(a.streamId()).isEqualTo(1);
        assertThat(b.streamId()).isEqualTo(3);
        assertThat(s.streamId()).isEqualTo(2);
        assertThat(a.parent()).isSameAs(c.clientChannel);
        assertThat(a.eventLoop()).isSameAs(c.clientChannel.eventLoop());
        assertThat(a.alloc()).isSameAs(c.clientChannel.alloc());
        assertThat(a.localAddress()).isEqualTo(c.clientChannel.localAddress());
        assertThat(a.remoteAddress()).isEqualTo(c.clientChannel.remoteAddress());
        assertThat(a.config().getOption(ChannelOption.ALLOW_HALF_CLOSURE)).isTrue();
        assertThat(a.isActive()).isTrue();
    }

    @Test
    void halfCloseLeavesTheOtherDirectionOpen() throws Exception {
        Collector bCol = new Collector();
        CompletableFuture<Channel> bStream = new CompletableFuture<>();
        Connected c = connect(16, ch -> {
            ch.pipeline().addLast(bCol);
            bStream.complete(ch);
        }, this::echo);

        Channel a = c.client.openStream().get(5, SECONDS);
        Collector aCol = new Collector();
        a.pipeline().addLast(aCol);
        a.writeAndFlush(ascii("hello"));
        ((DuplexChannel) a).shutdownOutput().get(5, SECONDS);
        assertThat(((DuplexChannel) a).isOutputShutdown()).isTrue();

        assertThat(new String(bCol.ended.get(5, SECONDS), StandardCharsets.US_ASCII)).isEqualTo("hello");
        DuplexChannel b = (DuplexChannel) bStream.get(5, SECONDS);
        assertThat(b.isActive()).isTrue();
        assertThat(b.isInputShutdown()).isTrue();
        assertThat(b.isOutputShutdown()).isFalse();

        b.writeAndFlush(ascii("world")).get(5, SECONDS);
        await().atMost(WAIT).until(() -> aCol.text().equals("world"));
        assertThat(a.isActive()).isTrue();
        assertThat(aCol.ended).isNotDone();

        b.shutdownOutput().get(5, SECONDS);
        assertThat(new String(aCol.ended.get(5, SECONDS), StandardCharsets.US_ASCII)).isEqualTo("world");
        // Finished both ways: both ends close themselves, the connection stays.
        aCol.inactive.get(5, SECONDS);
        bCol.inactive.get(5, SECONDS);
        assertThat(c.clientChannel.isActive()).isTrue();
        assertThat(streamErrors).isEmpty();
    }

    @Test
    void emptyWriteThenCloseLosesNothing() throws Exception {
        Collector bCol = new Collector();
        Connected c = connect(16, ch -> ch.pipeline().addLast(bCol), this::echo);
        byte[] data = random(600_000, 3); // more than a window: the close must wait for updates

        Channel a = c.client.openStream().get(5, SECONDS);
        a.write(Unpooled.wrappedBuffer(data));
        a.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);

        assertThat(bCol.ended.get(5, SECONDS)).isEqualTo(data);
        await().atMost(WAIT).until(() -> !a.isOpen());
    }

    @Test
    void withoutAutoReadDataWaitsForReadCalls() throws Exception {
        Collector bCol = new Collector();
        CompletableFuture<Channel> bStream = new CompletableFuture<>();
        Connected c = connect(16, ch -> {
            ch.config().setAutoRead(false);
            ch.pipeline().addLast(bCol);
            bStream.complete(ch);
        }, this::echo);

        Channel a = c.client.openStream().get(5, SECONDS);
        a.writeAndFlush(ascii("a")).get(5, SECONDS);
        a.writeAndFlush(ascii("b")).get(5, SECONDS);
        YamuxStreamChannel b = (YamuxStreamChannel) bStream.get(5, SECONDS);
        await().atMost(WAIT).until(() -> b.receiveWindow() == YamuxStreamChannel.INITIAL_WINDOW - 2);
        Thread.sleep(50);
        assertThat(bCol.text()).isEmpty();

        b.read();
        await().atMost(WAIT).until(() -> bCol.text().equals("a"));
        Thread.sleep(50);
        assertThat(bCol.text()).isEqualTo("a");

        b.config().setAutoRead(true);
        await().atMost(WAIT).until(() -> bCol.text().equals("ab"));
    }

    @Test
    void shutdownInputDropsDataButKeepsThePeerSending() throws Exception {
        Collector bCol = new Collector();
        CompletableFuture<Channel> bStream = new CompletableFuture<>();
        Connected c = connect(16, ch -> {
            ch.pipeline().addLast(bCol);
            bStream.complete(ch);
        }, this::echo);

        Channel a = c.client.openStream().get(5, SECONDS);
        a.writeAndFlush(ascii("x")).get(5, SECONDS);
        DuplexChannel b = (DuplexChannel) bStream.get(5, SECONDS);
        await().atMost(WAIT).until(() -> bCol.text().equals("x"));
        b.shutdownInput().get(5, SECONDS);
        assertThat(b.isInputShutdown()).isTrue();

        // More than a window: only possible if dropped bytes are still given back to the sender.
        a.writeAndFlush(Unpooled.wrappedBuffer(random(700_000, 5))).get(5, SECONDS);
        ((DuplexChannel) a).shutdownOutput().get(5, SECONDS);
        assertThat(bCol.text()).isEqualTo("x");
        assertThat(b.isActive()).isTrue();
        b.writeAndFlush(ascii("still writable")).get(5, SECONDS);
    }

    @Test
    void inboundHandlerFailureResetsOnlyThatStream() throws Exception {
        Connected c = connect(16, ch -> {
            throw new IllegalStateException("test: no handler for this stream");
        }, this::echo);

        Channel a = c.client.openStream().get(5, SECONDS);
        assertThat(a.closeFuture().await(5, SECONDS)).isTrue();
        assertThat(streamErrors).isEmpty();
        assertThat(c.clientChannel.isActive()).isTrue();
        assertThat(echoThrough(c.server, new byte[] {4})).containsExactly(4);
    }

    @Test
    void outboundStreamHoldsWhatThePeerSaysFirstUntilItWrites() throws Exception {
        // The accepting side speaks first, as a multistream listener does, and from channelActive:
        // handlers the inbound callback adds must see it.
        Connected c = connect(16, ch -> ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.writeAndFlush(ascii("hello first"));
            }
        }), this::echo);

        Channel a = c.client.openStream().get(5, SECONDS);
        await().pollDelay(Duration.ofMillis(200)).atMost(WAIT).until(() ->
                ((YamuxStreamChannel) a).receiveWindow() >= 0); // let the peer's bytes arrive
        Collector col = new Collector();
        a.pipeline().addLast(col); // from the test thread, long after the future completed
        assertThat(col.text()).isEmpty();

        a.writeAndFlush(ascii("x")).get(5, SECONDS);
        await().atMost(WAIT).until(() -> col.text().equals("hello first"));
    }

    @Test
    void handlersChainedToOpenStreamOnTheLoopSeeChannelActive() throws Exception {
        Connected c = connect(16, this::echo, this::echo);
        CompletableFuture<Boolean> sawActive = new CompletableFuture<>();
        c.clientChannel.eventLoop().execute(() -> c.client.openStream().thenAccept(ch ->
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        sawActive.complete(true);
                    }
                })));
        assertThat(sawActive.get(5, SECONDS)).isTrue();
    }

    @Test
    void writesFailAfterOutputShutdown() throws Exception {
        Connected c = connect(16, this::echo, this::echo);
        DuplexChannel a = (DuplexChannel) c.client.openStream().get(5, SECONDS);
        a.shutdownOutput().get(5, SECONDS);

        ChannelFuture late = a.writeAndFlush(ascii("late")).await();
        assertThat(late.isSuccess()).isFalse();
    }

    @Test
    void resetClosesThePeersStreamQuietly() throws Exception {
        Collector bCol = new Collector();
        CompletableFuture<Channel> bStream = new CompletableFuture<>();
        Connected c = connect(16, ch -> {
            // Reads nothing, so the sender's window runs out and its close must reset.
            ch.config().setAutoRead(false);
            ch.pipeline().addLast(bCol);
            bStream.complete(ch);
        }, this::echo);

        Channel a = c.client.openStream().get(5, SECONDS);
        Collector aCol = new Collector();
        a.pipeline().addLast(aCol);
        ChannelFuture big = a.writeAndFlush(Unpooled.wrappedBuffer(random(300_000, 4)));
        Channel b = bStream.get(5, SECONDS);
        await().atMost(WAIT).until(() -> ((YamuxStreamChannel) b).receiveWindow() == 0);

        a.close().get(5, SECONDS);
        assertThat(big.await(5, SECONDS)).isTrue();
        assertThat(big.isSuccess()).isFalse();

        bCol.inactive.get(5, SECONDS);
        assertThat(bCol.ended).isNotDone();
        assertThat(streamErrors).isEmpty();
        assertThat(c.clientChannel.isActive()).isTrue();
        assertThat(c.serverChannel.isActive()).isTrue();
        // The connection still carries new streams.
        assertThat(echoThrough(c.server, new byte[] {1, 2, 3})).containsExactly(1, 2, 3);
    }

    @Test
    void closingAStreamKeepsTheConnection() throws Exception {
        Collector bCol = new Collector();
        Connected c = connect(16, ch -> ch.pipeline().addLast(bCol), this::echo);

        Channel a = c.client.openStream().get(5, SECONDS);
        a.writeAndFlush(ascii("bye")).get(5, SECONDS);
        a.close().get(5, SECONDS);

        // A close with nothing queued is a FIN: the peer sees the end of the data.
        assertThat(new String(bCol.ended.get(5, SECONDS), StandardCharsets.US_ASCII)).isEqualTo("bye");
        assertThat(c.clientChannel.isActive()).isTrue();
        assertThat(echoThrough(c.server, new byte[] {9})).containsExactly(9);
    }

    @Test
    void closingTheConnectionClosesEveryStream() throws Exception {
        List<Collector> serverSide = new CopyOnWriteArrayList<>();
        Connected c = connect(16, ch -> {
            Collector col = new Collector();
            serverSide.add(col);
            ch.pipeline().addLast(col);
        }, this::echo);
        List<Channel> clientStreams = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Channel s = c.client.openStream().get(5, SECONDS);
            s.writeAndFlush(ascii("x")).get(5, SECONDS);
            clientStreams.add(s);
        }
        Channel fromServer = c.server.openStream().get(5, SECONDS);
        await().atMost(WAIT).until(() -> serverSide.size() == 3);

        c.clientChannel.close().get(5, SECONDS);

        for (Channel s : clientStreams) {
            await().atMost(WAIT).until(() -> !s.isOpen());
        }
        for (Collector col : serverSide) {
            col.inactive.get(5, SECONDS);
        }
        await().atMost(WAIT).until(() -> !fromServer.isOpen());
        assertThatThrownBy(() -> c.client.openStream().get(5, SECONDS)).isInstanceOf(ExecutionException.class);
    }

    @Test
    void sessionCloseSendsGoAwayAndClosesTheConnection() throws Exception {
        Collector bCol = new Collector();
        Connected c = connect(16, ch -> ch.pipeline().addLast(bCol), this::echo);
        Channel a = c.client.openStream().get(5, SECONDS);
        a.writeAndFlush(ascii("x")).get(5, SECONDS);
        await().atMost(WAIT).until(() -> bCol.text().equals("x"));

        c.client.close().get(5, SECONDS);

        assertThat(c.clientChannel.isOpen()).isFalse();
        await().atMost(WAIT).until(() -> !a.isOpen());
        bCol.inactive.get(5, SECONDS);
        await().atMost(WAIT).until(() -> !c.serverChannel.isOpen());
        assertThatThrownBy(() -> c.client.openStream().get(5, SECONDS)).isInstanceOf(ExecutionException.class);
        assertThatThrownBy(() -> c.server.openStream().get(5, SECONDS)).isInstanceOf(ExecutionException.class);
    }

    @Test
    void sessionAddedToAnActiveChannelWorks() throws Exception {
        // connect() adds the client session from the test thread after the TCP connection is up,
        // so openStream may come before handlerAdded has run on the event loop.
        Connected c = connect(16, this::echo, this::echo, true);
        assertThat(echoThrough(c.client, ascii("late").array())).isEqualTo(ascii("late").array());
    }

    @Test
    void multistreamSelectRunsUnchangedOnYamuxStreams() throws Exception {
        String protocol = "/p2pboot/test-echo/1.0.0";
        // Inbound streams set up as the QUIC transport does: a ChannelInitializer, then the listener.
        Connected c = connect(16, stream -> stream.pipeline().addLast(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new MultistreamListener(protocol::equals,
                        (ctx, selected) -> echo(ctx.channel())));
            }
        }), this::echo);

        Channel stream = c.client.openStream().get(5, SECONDS);
        CompletableFuture<String> selected = new CompletableFuture<>();
        Collector col = new Collector();
        stream.pipeline().addLast(new MultistreamDialer(List.of("/not/served", protocol), selected));
        selected.thenAccept(p -> stream.pipeline().addLast(col));
        assertThat(selected.get(5, SECONDS)).isEqualTo(protocol);

        stream.writeAndFlush(ascii("negotiated"));
        ((DuplexChannel) stream).shutdownOutput();
        assertThat(new String(col.ended.get(5, SECONDS), StandardCharsets.US_ASCII)).isEqualTo("negotiated");
        col.inactive.get(5, SECONDS);
        assertThat(streamErrors).isEmpty();
    }

    // ---- raw peer ----

    @Test
    void pingIsAnswered() throws Exception {
        try (RawPeer peer = rawPeer(4)) {
            peer.send(0, YamuxSession.TYPE_PING, YamuxSession.FLAG_SYN, 0, 0xCAFEBABEL);
            Frame pong = peer.read();
            assertThat(pong.type).isEqualTo(YamuxSession.TYPE_PING);
            assertThat(pong.flags).isEqualTo(YamuxSession.FLAG_ACK);
            assertThat(pong.id).isZero();
            assertThat(pong.length).isEqualTo(0xCAFEBABEL);
        }
    }

    @Test
    void badVersionGetsGoAway() throws Exception {
        try (RawPeer peer = rawPeer(4)) {
            peer.send(1, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 1, 0);
            peer.expectGoAwayProtocolErrorAndClose();
        }
    }

    @Test
    void unknownTypeGetsGoAway() throws Exception {
        try (RawPeer peer = rawPeer(4)) {
            peer.send(0, 9, 0, 0, 0);
            peer.expectGoAwayProtocolErrorAndClose();
        }
    }

    @Test
    void synWithTheWrongParityGetsGoAway() throws Exception {
        try (RawPeer peer = rawPeer(4)) {
            peer.send(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 2, 0);
            peer.expectGoAwayProtocolErrorAndClose();
        }
    }

    @Test
    void synReusingALiveIdGetsGoAway() throws Exception {
        try (RawPeer peer = rawPeer(4)) {
            peer.send(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 1, 0);
            peer.expectFrame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_ACK, 1);
            peer.send(0, YamuxSession.TYPE_DATA, YamuxSession.FLAG_SYN, 1, 0);
            peer.expectGoAwayProtocolErrorAndClose();
        }
    }

    @Test
    void dataBeyondTheWindowGetsGoAway() throws Exception {
        try (RawPeer peer = rawPeer(4)) {
            peer.send(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 1, 0);
            peer.expectFrame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_ACK, 1);
            peer.send(0, YamuxSession.TYPE_DATA, 0, 1, YamuxStreamChannel.INITIAL_WINDOW + 1);
            peer.expectGoAwayProtocolErrorAndClose();
        }
    }

    @Test
    void dataBeyondTheWindowAcrossFramesGetsGoAway() throws Exception {
        // The server stream reads nothing, so it never gives window back.
        try (RawPeer peer = rawPeer(4, ch -> ch.config().setAutoRead(false))) {
            peer.send(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 1, 0);
            peer.expectFrame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_ACK, 1);
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < 4; i++) {
                peer.sendData(0, 1, chunk);
            }
            peer.sendData(0, 1, new byte[] {1});
            peer.expectGoAwayProtocolErrorAndClose();
        }
    }

    @Test
    void streamsBeyondTheLimitAreResetAlone() throws Exception {
        try (RawPeer peer = rawPeer(2)) {
            peer.send(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 1, 0);
            peer.send(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 3, 0);
            peer.send(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 5, 0);
            peer.expectFrame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_ACK, 1);
            peer.expectFrame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_ACK, 3);
            peer.expectFrame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_RST, 5);

            // Data for the refused stream is ignored; the others echo.
            peer.sendData(0, 5, "lost".getBytes(StandardCharsets.US_ASCII));
            peer.sendData(0, 1, "one".getBytes(StandardCharsets.US_ASCII));
            Frame echo1 = peer.expectFrame(YamuxSession.TYPE_DATA, 0, 1);
            assertThat(new String(echo1.payload, StandardCharsets.US_ASCII)).isEqualTo("one");
            peer.sendData(0, 3, "three".getBytes(StandardCharsets.US_ASCII));
            Frame echo3 = peer.expectFrame(YamuxSession.TYPE_DATA, 0, 3);
            assertThat(new String(echo3.payload, StandardCharsets.US_ASCII)).isEqualTo("three");

            // A reset frees a slot for a new stream.
            peer.send(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_RST, 1, 0);
            peer.send(0, YamuxSession.TYPE_DATA, YamuxSession.FLAG_SYN, 7, 0);
            peer.expectFrame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_ACK, 7);
        }
    }

    @Test
    void synOnDataWithLargerWindowAndFinIsServed() throws Exception {
        try (RawPeer peer = rawPeer(4)) {
            // As js-libp2p does: SYN on a window update that grants more than the default.
            peer.send(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 1, 1024 * 1024);
            peer.expectFrame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_ACK, 1);
            peer.sendData(YamuxSession.FLAG_FIN, 1, "ping".getBytes(StandardCharsets.US_ASCII));
            Frame echo = peer.expectFrame(YamuxSession.TYPE_DATA, 0, 1);
            assertThat(new String(echo.payload, StandardCharsets.US_ASCII)).isEqualTo("ping");
            // The echo handler ends its side once ours has ended.
            Frame fin = peer.read();
            assertThat(fin.flags & YamuxSession.FLAG_FIN).isEqualTo(YamuxSession.FLAG_FIN);
            assertThat(fin.id).isEqualTo(1);
            // Frames for the finished, forgotten stream are ignored; pings still work.
            peer.sendData(0, 1, new byte[] {1});
            peer.send(0, YamuxSession.TYPE_PING, YamuxSession.FLAG_SYN, 0, 5);
            peer.expectFrame(YamuxSession.TYPE_PING, YamuxSession.FLAG_ACK, 0);
        }
    }

    @Test
    void framesSplitAcrossReadsOrPackedTogetherAreDecoded() throws Exception {
        try (RawPeer peer = rawPeer(4)) {
            peer.socket.setTcpNoDelay(true);
            byte[] syn = RawPeer.header(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 1, 0);
            byte[] data = RawPeer.header(0, YamuxSession.TYPE_DATA, 0, 1, 5);
            for (byte[] part : new byte[][] {syn, data, "hello".getBytes(StandardCharsets.US_ASCII)}) {
                for (byte b : part) {
                    peer.out.write(b);
                    peer.out.flush();
                    Thread.sleep(1);
                }
            }
            peer.expectFrame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_ACK, 1);
            assertThat(peer.expectFrame(YamuxSession.TYPE_DATA, 0, 1).payload)
                    .isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));

            // SYN, data and FIN for another stream plus a ping, all in one write.
            ByteArrayOutputStream packed = new ByteArrayOutputStream();
            packed.write(RawPeer.header(0, YamuxSession.TYPE_DATA, YamuxSession.FLAG_SYN, 3, 2));
            packed.write(new byte[] {'h', 'i'});
            packed.write(RawPeer.header(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_FIN, 3, 0));
            packed.write(RawPeer.header(0, YamuxSession.TYPE_PING, YamuxSession.FLAG_SYN, 0, 77));
            peer.out.write(packed.toByteArray());
            peer.out.flush();
            peer.expectFrame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_ACK, 3);
            assertThat(peer.expectFrame(YamuxSession.TYPE_DATA, 0, 3).payload).isEqualTo(new byte[] {'h', 'i'});
            List<Frame> rest = List.of(peer.read(), peer.read());
            assertThat(rest).anySatisfy(f -> {
                assertThat(f.type).isEqualTo(YamuxSession.TYPE_PING);
                assertThat(f.length).isEqualTo(77);
            });
            assertThat(rest).anySatisfy(f -> {
                assertThat(f.id).isEqualTo(3);
                assertThat(f.flags & YamuxSession.FLAG_FIN).isNotZero();
            });
        }
    }

    @Test
    void receiverGivesWindowBackOnceHalfIsConsumed() throws Exception {
        // The server stream only counts: its echo would need window we never give.
        try (RawPeer peer = rawPeer(4, ch -> ch.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ((ByteBuf) msg).release();
            }
        }))) {
            peer.send(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 1, 0);
            peer.expectFrame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_ACK, 1);
            byte[] chunk = new byte[16 * 1024];
            for (int i = 0; i < 7; i++) {
                peer.sendData(0, 1, chunk); // 112 KiB: less than half, no update yet
            }
            peer.sendData(0, 1, chunk); // 128 KiB
            Frame update = peer.read();
            assertThat(update.type).isEqualTo(YamuxSession.TYPE_WINDOW_UPDATE);
            assertThat(update.flags).isZero();
            assertThat(update.id).isEqualTo(1);
            assertThat(update.length).isEqualTo(128 * 1024);
            // With the window given back, a full window more is accepted.
            for (int i = 0; i < 16; i++) {
                peer.sendData(0, 1, chunk);
            }
            peer.send(0, YamuxSession.TYPE_PING, YamuxSession.FLAG_SYN, 0, 1);
            Frame f;
            do {
                f = peer.read();
            } while (f.type == YamuxSession.TYPE_WINDOW_UPDATE);
            assertThat(f.type).isEqualTo(YamuxSession.TYPE_PING);
        }
    }

    @Test
    void senderNeverExceedsThePeersWindow() throws Exception {
        try (RawPeer peer = rawPeer(4)) {
            Channel stream = peer.session.openStream().get(5, SECONDS);
            peer.expectFrame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 2);
            int total = YamuxStreamChannel.INITIAL_WINDOW + 100_000;
            ChannelFuture written = stream.writeAndFlush(Unpooled.wrappedBuffer(random(total, 6)));
            ((DuplexChannel) stream).shutdownOutput();

            long received = 0;
            while (received < YamuxStreamChannel.INITIAL_WINDOW) {
                Frame f = peer.expectFrame(YamuxSession.TYPE_DATA, 0, 2);
                assertThat(f.payload.length).isBetween(1, 64 * 1024);
                received += f.payload.length;
            }
            assertThat(received).isEqualTo(YamuxStreamChannel.INITIAL_WINDOW);
            // Nothing more until we give window: the next frame is the answer to this ping.
            peer.send(0, YamuxSession.TYPE_PING, YamuxSession.FLAG_SYN, 0, 9);
            peer.expectFrame(YamuxSession.TYPE_PING, YamuxSession.FLAG_ACK, 0);
            assertThat(written.isDone()).isFalse();

            peer.send(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_ACK, 2, 100_000);
            while (received < total) {
                received += peer.expectFrame(YamuxSession.TYPE_DATA, 0, 2).payload.length;
            }
            assertThat(received).isEqualTo(total);
            Frame fin = peer.read();
            assertThat(fin.id).isEqualTo(2);
            assertThat(fin.flags & YamuxSession.FLAG_FIN).isNotZero();
            assertThat(written.await(5, SECONDS)).isTrue();
            assertThat(written.isSuccess()).isTrue();
        }
    }

    @Test
    void aLargerWindowGrantedWithTheSynIsUsed() throws Exception {
        try (RawPeer peer = rawPeer(4)) {
            // SYN with a delta of 1 MiB, as js-libp2p may send: 1.25 MiB of window for the echo.
            peer.send(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 1, 1024 * 1024);
            peer.expectFrame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_ACK, 1);
            int total = 600_000;
            byte[] data = random(total, 7);
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < total; i += 50_000) {
                        peer.sendData(0, 1, java.util.Arrays.copyOfRange(data, i, Math.min(total, i + 50_000)));
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            ByteArrayOutputStream echoed = new ByteArrayOutputStream();
            while (echoed.size() < total) { // we never give window back
                Frame f = peer.read();
                if (f.type == YamuxSession.TYPE_DATA) {
                    assertThat(f.id).isEqualTo(1);
                    echoed.write(f.payload);
                }
            }
            sent.get(5, SECONDS);
            assertThat(echoed.toByteArray()).isEqualTo(data);
        }
    }

    @Test
    void goAwayStopsNewOutboundStreams() throws Exception {
        try (RawPeer peer = rawPeer(4)) {
            Channel first = peer.session.openStream().get(5, SECONDS);
            assertThat(first.isActive()).isTrue();
            peer.expectFrame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 2);

            peer.send(0, YamuxSession.TYPE_GO_AWAY, 0, 0, YamuxSession.GO_AWAY_NORMAL);
            await().atMost(WAIT).until(() -> peer.session.openStream().handle((ch, e) -> e != null).get(5, SECONDS));
            assertThat(first.isActive()).isTrue();
        }
    }

    // ---- peers that do not read ----

    @Test
    void pingsWithinTheLimitAreAnsweredAndAFloodEndsTheSession() throws Exception {
        quietIncidents(() -> {
            try (RawPeer peer = rawPeer(4, ch -> { }, true)) {
                int allowed = YamuxSession.MAX_PINGS_PER_SECOND / 2;
                for (int i = 1; i <= allowed; i++) {
                    peer.send(0, YamuxSession.TYPE_PING, YamuxSession.FLAG_SYN, 0, i);
                }
                Frame last;
                do {
                    last = peer.read();
                    assertThat(last.type).isEqualTo(YamuxSession.TYPE_PING);
                    assertThat(last.flags).isEqualTo(YamuxSession.FLAG_ACK);
                } while (last.length != allowed);

                int pings = FLOOD_BYTES / YamuxSession.HEADER_LENGTH;
                byte[] flood = new byte[pings * YamuxSession.HEADER_LENGTH];
                ByteBuffer frames = ByteBuffer.wrap(flood);
                for (int i = 1; i <= pings; i++) {
                    frames.put(RawPeer.header(0, YamuxSession.TYPE_PING, YamuxSession.FLAG_SYN, 0, i));
                }
                CompletableFuture.runAsync(() -> {
                    try {
                        peer.out.write(flood);
                        peer.out.flush();
                    } catch (IOException closedByTheSession) {
                        // expected: the session ends the connection in the middle of the flood
                    }
                });
                // The session sends GoAway(protocol error) and closes; the flood still on its way
                // may make the kernel reset the connection, which can drop the GoAway itself, so
                // what must hold is that the connection ends, and that any GoAway says why.
                try {
                    for (Frame f = peer.read(); ; f = peer.read()) {
                        if (f.type == YamuxSession.TYPE_GO_AWAY) {
                            assertThat(f.length).isEqualTo(YamuxSession.GO_AWAY_PROTOCOL_ERROR);
                        }
                    }
                } catch (java.net.SocketTimeoutException stillOpen) {
                    throw new AssertionError("the session did not end the connection of a peer flooding it with PINGs", stillOpen);
                } catch (IOException ended) {
                    // EOF or reset: the session ended the connection
                }
            }
            return null;
        });
    }

    @Test
    void refusedStreamFloodFromAPeerThatNeverReadsStopsReadingTheConnection() throws Exception {
        quietIncidents(() -> {
            try (RawPeer peer = rawPeer(0, ch -> { }, true)) {
                int syns = FLOOD_BYTES / YamuxSession.HEADER_LENGTH;
                byte[] flood = new byte[syns * YamuxSession.HEADER_LENGTH];
                ByteBuffer frames = ByteBuffer.wrap(flood);
                for (int i = 0; i < syns; i++) {
                    frames.put(RawPeer.header(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 2 * i + 1, 0));
                }
                CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                    try {
                        peer.out.write(flood);
                        peer.out.flush();
                    } catch (IOException closedByTheTest) {
                        // the session stopped reading, so the write blocked until we closed
                    }
                });
                long maxPending = 0;
                long deadline = System.nanoTime() + SECONDS.toNanos(20);
                while (peer.serverChannel.config().isAutoRead() && !writing.isDone() && System.nanoTime() < deadline) {
                    maxPending = Math.max(maxPending, pending(peer.serverChannel));
                    Thread.sleep(1);
                }
                assertThat(peer.serverChannel.config().isAutoRead()).as("the session still reads").isFalse();
                assertThat(writing).as("the peer's flood got through").isNotDone();
                assertThat(Math.max(maxPending, pending(peer.serverChannel))).isLessThan(BOUND);
                assertThat(incidents.total(YamuxSession.STREAM_LIMIT)).isBetween(1L, (long) syns - 1);

                // Once the peer reads, the session reads again.
                byte[] buf = new byte[64 * 1024];
                long until = System.nanoTime() + SECONDS.toNanos(20);
                while (!peer.serverChannel.config().isAutoRead() && System.nanoTime() < until) {
                    assertThat(peer.socket.getInputStream().read(buf)).isPositive();
                }
                assertThat(peer.serverChannel.config().isAutoRead()).isTrue();
                peer.socket.close();
                writing.get(10, SECONDS);
            }
            return null;
        });
    }

    @Test
    void streamIsUnwritableWhileThePeersWindowIsUsedUpAndWritableAfterItsUpdate() throws Exception {
        CompletableFuture<Channel> serverStream = new CompletableFuture<>();
        Connected c = connect(16, ch -> {
            ch.config().setAutoRead(false); // reads nothing until told
            serverStream.complete(ch);
        }, this::echo);
        Channel stream = c.client.openStream().get(5, SECONDS);
        List<Boolean> events = new CopyOnWriteArrayList<>();
        stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                events.add(ctx.channel().isWritable());
            }
        });
        assertThat(stream.isWritable()).isTrue();
        byte[] chunk = new byte[16 * 1024];
        int chunks = (YamuxStreamChannel.INITIAL_WINDOW + 64 * 1024) / chunk.length;
        stream.eventLoop().execute(() -> {
            for (int i = 0; i < chunks; i++) {
                stream.write(Unpooled.wrappedBuffer(chunk));
            }
            stream.flush();
        });

        await().atMost(WAIT).until(() -> !stream.isWritable() && events.contains(false));
        assertThat(stream.bytesBeforeUnwritable()).isZero();

        serverStream.get(5, SECONDS).config().setAutoRead(true);
        await().atMost(WAIT).until(stream::isWritable);
        await().atMost(WAIT).until(() -> !events.isEmpty() && events.get(events.size() - 1));
    }

    @Test
    void streamsAreUnwritableWhileTheirConnectionIs() throws Exception {
        Connected c = connect(16, this::echo, this::echo);
        Channel stream = c.client.openStream().get(5, SECONDS);
        List<Boolean> events = new CopyOnWriteArrayList<>();
        stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                events.add(ctx.channel().isWritable());
            }
        });
        // The connection's buffer over its high water mark, as when its peer reads too slowly.
        c.clientChannel.eventLoop().submit(() -> {
            c.clientChannel.config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(1, 2));
            c.clientChannel.write(Unpooled.wrappedBuffer(new byte[64]));
        }).get(5, SECONDS);
        await().atMost(WAIT).until(() -> !stream.isWritable() && events.contains(false));

        c.clientChannel.flush();
        await().atMost(WAIT).until(() -> stream.isWritable() && events.get(events.size() - 1));
    }

    // ---- GoAway ----

    @Test
    void goAwayWithAnErrorCodeClosesTheConnectionAndAFloodCostsOneReport() throws Exception {
        ch.qos.logback.classic.Logger incidentsLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Incidents.class);
        ch.qos.logback.classic.Logger sessionLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(YamuxSession.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines = new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        incidentsLog.addAppender(lines);
        sessionLog.addAppender(lines);
        try (RawPeer peer = rawPeer(4)) {
            int frames = 20_000;
            ByteBuffer flood = ByteBuffer.allocate(frames * YamuxSession.HEADER_LENGTH);
            for (int i = 0; i < frames; i++) {
                flood.put(RawPeer.header(0, YamuxSession.TYPE_GO_AWAY, 0, 0, YamuxSession.GO_AWAY_PROTOCOL_ERROR));
            }
            try {
                peer.out.write(flood.array());
                peer.out.flush();
            } catch (IOException closedMeanwhile) {
                // the session may close the connection before the whole flood is written
            }
            await().atMost(WAIT).until(() -> !peer.serverChannel.isOpen());
            assertThat(incidents.total(YamuxSession.GO_AWAY_ERROR)).isEqualTo(1);
            assertThat(lines.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN)))
                    .as("warnings logged").hasSizeLessThanOrEqualTo(2);
        } finally {
            incidentsLog.detachAppender(lines);
            sessionLog.detachAppender(lines);
        }
    }

    @Test
    void afterANormalGoAwayNewStreamsAreRefusedAndOpenOnesWork() throws Exception {
        try (RawPeer peer = rawPeer(4)) {
            peer.send(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 1, 0);
            peer.expectFrame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_ACK, 1);
            peer.send(0, YamuxSession.TYPE_GO_AWAY, 0, 0, YamuxSession.GO_AWAY_NORMAL);
            peer.send(0, YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_SYN, 3, 0);
            peer.expectFrame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FLAG_RST, 3);

            peer.sendData(0, 1, "still".getBytes(StandardCharsets.US_ASCII));
            Frame echo = peer.expectFrame(YamuxSession.TYPE_DATA, 0, 1);
            assertThat(new String(echo.payload, StandardCharsets.US_ASCII)).isEqualTo("still");
            assertThat(peer.serverChannel.isActive()).isTrue();
        }
    }

    /** Writes {@code flood} from another thread and returns the most the session held meanwhile. */
    private static long floodAndWatch(RawPeer peer, byte[] flood) throws Exception {
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            try {
                peer.out.write(flood);
                peer.out.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        long maxPending = 0;
        long deadline = System.nanoTime() + SECONDS.toNanos(30);
        while (!writing.isDone() && System.nanoTime() < deadline) {
            maxPending = Math.max(maxPending, pending(peer.serverChannel));
            Thread.sleep(1);
        }
        writing.get(1, SECONDS);
        // The session may still be decoding the end of the flood.
        long settle = System.nanoTime() + SECONDS.toNanos(2);
        while (System.nanoTime() < settle) {
            maxPending = Math.max(maxPending, pending(peer.serverChannel));
            Thread.sleep(5);
        }
        return maxPending;
    }

    /** Bytes waiting in the channel's outbound buffer (read from the test thread: a sample). */
    private static long pending(Channel channel) {
        io.netty.channel.ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    /** Runs {@code body} with the incidents' DEBUG line per refused stream turned off. */
    private static void quietIncidents(java.util.concurrent.Callable<Void> body) throws Exception {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Incidents.class);
        ch.qos.logback.classic.Level before = log.getLevel();
        log.setLevel(ch.qos.logback.classic.Level.INFO);
        try {
            body.call();
        } finally {
            log.setLevel(before);
        }
    }

    // ---- helpers ----

    private void echo(Channel stream) {
        stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ctx.write(msg);
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                ctx.flush();
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt == ChannelInputShutdownEvent.INSTANCE) {
                    ((DuplexChannel) ctx.channel()).shutdownOutput();
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                streamErrors.add(cause);
                ctx.close();
            }
        });
    }

    private byte[] echoThrough(YamuxSession opener, byte[] data) throws Exception {
        Channel stream = opener.openStream().get(5, SECONDS);
        Collector col = new Collector();
        stream.pipeline().addLast(col);
        stream.writeAndFlush(Unpooled.wrappedBuffer(data));
        ((DuplexChannel) stream).shutdownOutput().get(5, SECONDS);
        byte[] back = col.ended.get(10, SECONDS);
        col.inactive.get(5, SECONDS);
        return back;
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private final class Collector extends ChannelInboundHandlerAdapter {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CompletableFuture<byte[]> ended = new CompletableFuture<>();
        final CompletableFuture<Void> inactive = new CompletableFuture<>();

        synchronized String text() {
            return bytes.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                synchronized (this) {
                    byte[] b = new byte[buf.readableBytes()];
                    buf.readBytes(b);
                    bytes.writeBytes(b);
                }
            } finally {
                buf.release();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE) {
                synchronized (this) {
                    ended.complete(bytes.toByteArray());
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            inactive.complete(null);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            streamErrors.add(cause);
        }
    }

    private record Connected(YamuxSession client, YamuxSession server, Channel clientChannel, Channel serverChannel) {
    }

    private Connected connect(int maxStreams, Consumer<Channel> serverInbound, Consumer<Channel> clientInbound)
            throws Exception {
        return connect(maxStreams, serverInbound, clientInbound, false);
    }

    private Connected connect(int maxStreams, Consumer<Channel> serverInbound, Consumer<Channel> clientInbound,
            boolean addClientSessionLate) throws Exception {
        CompletableFuture<Channel> serverChannel = new CompletableFuture<>();
        YamuxSession server = new YamuxSession(false, maxStreams, serverInbound, incidents, "server's peer");
        Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(server);
                        serverChannel.complete(ch);
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        toClose.add(listener);
        YamuxSession client = new YamuxSession(true, maxStreams, clientInbound, incidents, "client's peer");
        Channel clientChannel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (!addClientSessionLate) {
                            ch.pipeline().addLast(client);
                        }
                    }
                }).connect(listener.localAddress()).sync().channel();
        toClose.add(clientChannel);
        if (addClientSessionLate) {
            assertThat(clientChannel.isActive()).isTrue();
            clientChannel.pipeline().addLast(client);
        }
        Channel accepted = serverChannel.get(5, SECONDS);
        toClose.add(accepted);
        return new Connected(client, server, clientChannel, accepted);
    }

    private RawPeer rawPeer(int maxStreams) throws Exception {
        return rawPeer(maxStreams, ch -> { });
    }

    private RawPeer rawPeer(int maxStreams, Consumer<Channel> configure) throws Exception {
        return rawPeer(maxStreams, configure, false);
    }

    /**
     * @param smallBuffers small kernel buffers both ways (16 KiB), so that what the session answers
     *     a peer that does not read piles up in its channel soon rather than in the kernel
     */
    private RawPeer rawPeer(int maxStreams, Consumer<Channel> configure, boolean smallBuffers) throws Exception {
        CompletableFuture<YamuxSession> session = new CompletableFuture<>();
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        ServerBootstrap server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        YamuxSession s = new YamuxSession(false, maxStreams, stream -> {
                            configure.accept(stream);
                            echo(stream);
                        }, incidents, "raw peer");
                        ch.pipeline().addLast(s);
                        session.complete(s);
                        accepted.complete(ch);
                    }
                });
        if (smallBuffers) {
            server.childOption(ChannelOption.SO_SNDBUF, SMALL_BUFFER);
        }
        Channel listener = server.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        toClose.add(listener);
        Socket socket = new Socket();
        if (smallBuffers) {
            socket.setReceiveBufferSize(SMALL_BUFFER);
        }
        socket.connect(listener.localAddress(), 5000);
        socket.setSoTimeout(5000);
        Channel serverChannel = accepted.get(5, SECONDS);
        toClose.add(serverChannel);
        return new RawPeer(socket, session.get(5, SECONDS), serverChannel);
    }

    private record Frame(int version, int type, int flags, int id, long length, byte[] payload) {
    }

    /** A Yamux peer made of bytes: it writes what it is told and reads frames one by one. */
    private static final class RawPeer implements AutoCloseable {
        final Socket socket;
        final YamuxSession session;
        /** The session's side of the connection. */
        final Channel serverChannel;
        final OutputStream out;
        private final DataInputStream in;

        RawPeer(Socket socket, YamuxSession session, Channel serverChannel) throws IOException {
            this.socket = socket;
            this.session = session;
            this.serverChannel = serverChannel;
            this.out = socket.getOutputStream();
            this.in = new DataInputStream(socket.getInputStream());
        }

        void send(int version, int type, int flags, int id, long length) throws IOException {
            out.write(header(version, type, flags, id, length));
            out.flush();
        }

        void sendData(int flags, int id, byte[] payload) throws IOException {
            out.write(header(0, YamuxSession.TYPE_DATA, flags, id, payload.length));
            out.write(payload);
            out.flush();
        }

        static byte[] header(int version, int type, int flags, int id, long length) {
            return ByteBuffer.allocate(12).put((byte) version).put((byte) type).putShort((short) flags)
                    .putInt(id).putInt((int) length).array();
        }

        Frame read() throws IOException {
            byte[] h = new byte[12];
            in.readFully(h);
            ByteBuffer b = ByteBuffer.wrap(h);
            int version = b.get() & 0xff;
            int type = b.get() & 0xff;
            int flags = b.getShort() & 0xffff;
            int id = b.getInt();
            long length = b.getInt() & 0xffffffffL;
            byte[] payload = new byte[0];
            if (type == YamuxSession.TYPE_DATA) {
                payload = new byte[(int) length];
                in.readFully(payload);
            }
            return new Frame(version, type, flags, id, length, payload);
        }

        /** Skips window updates without flags, which the server may send at any time. */
        Frame expectFrame(int type, int flags, int id) throws IOException {
            Frame f;
            do {
                f = read();
            } while (f.type == YamuxSession.TYPE_WINDOW_UPDATE && f.flags == 0 && type != f.type);
            assertThat(f.version).isZero();
            assertThat(f.type).as("type of %s", f).isEqualTo(type);
            assertThat(f.flags).as("flags of %s", f).isEqualTo(flags);
            assertThat(f.id).as("id of %s", f).isEqualTo(id);
            return f;
        }

        void expectGoAwayProtocolErrorAndClose() throws IOException {
            Frame f = read();
            while (f.type != YamuxSession.TYPE_GO_AWAY) {
                f = read();
            }
            assertThat(f.id).isZero();
            assertThat(f.length).isEqualTo(YamuxSession.GO_AWAY_PROTOCOL_ERROR);
            assertThatThrownBy(this::read).isInstanceOf(EOFException.class);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
