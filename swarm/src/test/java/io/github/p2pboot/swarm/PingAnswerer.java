package io.github.p2pboot.swarm;

import io.github.p2pboot.protocol.ping.Ping;
import io.github.p2pboot.transport.StreamEnds;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.FixedLengthFrameDecoder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A ping handler for tests, registered in place of the swarm's own: it counts the ping streams and
 * pings it receives, and echoes at once, after a delay, or never, as the test switches it.
 */
final class PingAnswerer implements ProtocolHandler {

    /** Echo delay meaning "never answer": the payload is read and dropped. */
    static final long SWALLOW = -1;

    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicInteger pings = new AtomicInteger();
    private final AtomicLong delayMillis = new AtomicLong();
    private volatile int endStreamAfter = Integer.MAX_VALUE;

    @Override
    public String protocolId() {
        return Ping.PROTOCOL_ID;
    }

    /** Echo after {@code millis} (0: at once), or {@link #SWALLOW}. */
    PingAnswerer delay(long millis) {
        delayMillis.set(millis);
        return this;
    }

    /** End each stream after echoing this many pings on it, as js- and go-libp2p may. */
    PingAnswerer endStreamAfter(int echoes) {
        endStreamAfter = echoes;
        return this;
    }

    int streams() {
        return streams.get();
    }

    int pings() {
        return pings.get();
    }

    @Override
    public void handleStream(Stream stream) {
        streams.incrementAndGet();
        stream.channel().pipeline().addLast(new FixedLengthFrameDecoder(32), new SimpleChannelInboundHandler<ByteBuf>(false) {
            private int echoed;

            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf payload) {
                pings.incrementAndGet();
                long delay = delayMillis.get();
                if (delay == SWALLOW) {
                    payload.release();
                } else if (delay == 0) {
                    echo(ctx, payload);
                } else {
                    ctx.executor().schedule(() -> echo(ctx, payload), delay, TimeUnit.MILLISECONDS);
                }
            }

            private void echo(ChannelHandlerContext ctx, ByteBuf payload) {
                ctx.writeAndFlush(payload);
                if (++echoed >= endStreamAfter) {
                    StreamEnds.closeWhenFlushed(ctx, ctx.channel());
                }
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                if (event instanceof ChannelInputShutdownEvent) {
                    StreamEnds.closeWhenFlushed(ctx, ctx.channel());
                }
            }
        });
    }
}
