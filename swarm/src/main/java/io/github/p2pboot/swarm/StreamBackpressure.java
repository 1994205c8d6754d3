package io.github.p2pboot.swarm;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;

/**
 * Stops reading a stream while it cannot write, on every stream a peer opens to us: whatever a
 * protocol answers to what it reads (a ping echo, an identify or Kademlia answer, a user
 * protocol's reply) then waits in the peer's flow-control window, not in our memory, when the
 * peer does not read. Reading resumes when the stream is writable again.
 *
 * <p>Auto-read is turned off while unwritable (and back on after, if it was on), and {@code read()}
 * calls from handlers after this one, such as a decoder asking for the rest of a frame, wait
 * until then too. A stream channel is unwritable when its transport says so: a QUIC stream
 * without send capacity, a Yamux stream whose window is used up or whose connection's buffer is
 * full, or any stream whose own outbound buffer is above its high water mark.
 */
final class StreamBackpressure extends ChannelDuplexHandler {

    private boolean paused;
    private boolean restoreAutoRead;
    private boolean readRequested;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (!ctx.channel().isWritable() && ctx.channel().isActive()) {
            pause(ctx);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            resume(ctx);
        } else {
            pause(ctx);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (paused) {
            readRequested = true;
            return;
        }
        ctx.read();
    }

    private void pause(ChannelHandlerContext ctx) {
        if (paused || !ctx.channel().isActive()) {
            return;
        }
        paused = true;
        if (ctx.channel().config().isAutoRead()) {
            restoreAutoRead = true;
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void resume(ChannelHandlerContext ctx) {
        if (!paused) {
            return;
        }
        paused = false;
        boolean read = readRequested;
        readRequested = false;
        if (restoreAutoRead) {
            restoreAutoRead = false;
            ctx.channel().config().setAutoRead(true); // reads on its own
        } else if (read) {
            ctx.read();
        }
    }
}
