package io.github.p2pboot.swarm;

import io.github.p2pboot.resource.ReadHolds;
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

    /**
     * How often a paused stream looks at its writability itself. Netty's QUIC streams do not
     * always fire {@code channelWritabilityChanged} when their send capacity comes back (seen on a
     * lossy path: echo streams paused for good), so the event alone could leave a stream unread
     * forever.
     */
    static final long RECHECK_MILLIS = 50;

    private boolean paused;
    private boolean readRequested;
    private io.netty.util.concurrent.ScheduledFuture<?> recheck;

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
        scheduleRecheck(ctx);
        ReadHolds.hold(ctx.channel(), this);
    }

    private void scheduleRecheck(ChannelHandlerContext ctx) {
        recheck = ctx.executor().schedule(() -> {
            recheck = null;
            if (!paused || !ctx.channel().isActive()) {
                return;
            }
            if (ctx.channel().isWritable()) {
                resume(ctx);
            } else {
                scheduleRecheck(ctx);
            }
        }, RECHECK_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelRecheck();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelRecheck();
        super.channelInactive(ctx);
    }

    private void cancelRecheck() {
        if (recheck != null) {
            recheck.cancel(false);
            recheck = null;
        }
    }

    private void resume(ChannelHandlerContext ctx) {
        if (!paused) {
            return;
        }
        paused = false;
        cancelRecheck();
        boolean read = readRequested;
        readRequested = false;
        // A protocol may hold reading itself (Kademlia while its answer is unsent): then it
        // stays off until that holder lets go too.
        ReadHolds.release(ctx.channel(), this);
        if (read && !ReadHolds.isHeld(ctx.channel())) {
            ctx.read();
        }
    }
}
