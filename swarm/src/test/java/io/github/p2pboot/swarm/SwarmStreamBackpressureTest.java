package io.github.p2pboot.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.muxer.yamux.YamuxSession;
import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.resource.Incidents;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ping echo attack as a hand-written Yamux client makes it: it sends ping payload on one
 * stream as fast as our window updates allow, reads (and drops) what we send, and never grants
 * us window for the echoes. The echoes cannot go out, so the stream must stop reading: then it
 * grants no more window, the client's payload stops, and what we hold stays bounded. Without the
 * stop, each window update lets the client send more, and the echoes queue without end.
 *
 * <p>The session and the ping echo handler are the real ones, with the stream guard the swarm
 * installs on every inbound stream; Noise is left out, as it changes nothing here.
 */
class SwarmStreamBackpressureTest {

    private static final long FLOOD = 32L * 1024 * 1024;
    private static final long BOUND = 2L * 1024 * 1024;
    private static final int HEADER = 12;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Test
    void pingEchoesForAClientThatNeverGrantsWindowStayBounded() throws Exception {
        CompletableFuture<Channel> served = new CompletableFuture<>();
        Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new YamuxSession(false, 16, stream -> {
                            stream.pipeline().addLast(new StreamBackpressure());
                            Ping.handler().handleStream(new NegotiatedStream(stream, Ping.PROTOCOL_ID, null, Direction.INBOUND));
                            served.complete(stream);
                        }, new Incidents(), "attacker"));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try (Socket socket = new Socket()) {
            socket.connect(listener.localAddress(), 5_000);
            socket.setSoTimeout(200);
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            out.write(header(1, 1, 1, 0)); // SYN for stream 1, by window update
            AtomicLong window = new AtomicLong(256 * 1024); // what we let the client send

            byte[] payload = new byte[16 * 1024];
            long sent = 0;
            long maxHeld = 0;
            long lastProgress = System.nanoTime();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sent < FLOOD && System.nanoTime() - lastProgress < TimeUnit.SECONDS.toNanos(1) && System.nanoTime() < deadline) {
                if (window.get() >= payload.length) {
                    out.write(header(0, 0, 1, payload.length));
                    out.write(payload);
                    out.flush();
                    window.addAndGet(-payload.length);
                    sent += payload.length;
                    lastProgress = System.nanoTime();
                } else {
                    readGrants(in, window);
                }
                if (served.isDone()) {
                    maxHeld = Math.max(maxHeld, held(served.get()));
                }
            }

            assertThat(maxHeld).as("bytes held for the stream").isLessThan(BOUND);
            assertThat(sent).as("payload taken before the stream stopped reading").isLessThan(FLOOD / 4);
            assertThat(served.get().isActive()).isTrue();
        } finally {
            listener.close().sync();
        }
    }

    /** Reads what the session sent: window updates for stream 1 add to the window, data is dropped. */
    private static void readGrants(DataInputStream in, AtomicLong window) throws IOException {
        byte[] h = new byte[HEADER];
        try {
            in.readFully(h);
        } catch (java.net.SocketTimeoutException nothingYet) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(h);
        b.get();
        int type = b.get();
        b.getShort();
        int id = b.getInt();
        long length = b.getInt() & 0xffffffffL;
        if (type == 0) {
            in.skipNBytes(length);
        } else if (type == 1 && id == 1) {
            window.addAndGet(length);
        }
    }

    private static byte[] header(int type, int flags, int id, long length) {
        return ByteBuffer.allocate(HEADER).put((byte) 0).put((byte) type).putShort((short) flags).putInt(id).putInt((int) length).array();
    }

    private static long held(Channel stream) {
        return pending(stream) + pending(stream.parent());
    }

    private static long pending(Channel channel) {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }
}
