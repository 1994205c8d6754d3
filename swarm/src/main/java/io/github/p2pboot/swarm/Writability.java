package io.github.p2pboot.swarm;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Tells user code when a stream can take more writes ({@link Stream#whenWritable()}). One handler
 * per stream, added at the first wait that has to wait, keeps the waiters and completes them on
 * the stream's event loop when the stream turns writable, or fails them when it closes.
 */
final class Writability extends ChannelInboundHandlerAdapter {

    private static final String NAME = "p2pboot-writability";

    /**
     * How often a waiting stream looks at its writability itself: Netty's QUIC streams do not
     * always fire {@code channelWritabilityChanged} when their send capacity comes back (see
     * {@link StreamBackpressure#RECHECK_MILLIS}).
     */
    static final long RECHECK_MILLIS = StreamBackpressure.RECHECK_MILLIS;

    private final ArrayDeque<CompletableFuture<Void>> waiters = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> recheck;

    private Writability() {
    }

    /** Completes when {@code channel} is writable: at once if it is now; fails if it closes first. */
    static CompletionStage<Void> whenWritable(Channel channel) {
        CompletableFuture<Void> writable = new CompletableFuture<>();
        if (channel.eventLoop().inEventLoop()) {
            register(channel, writable);
        } else {
            channel.eventLoop().execute(() -> register(channel, writable));
        }
        return writable;
    }

    private static void register(Channel channel, CompletableFuture<Void> writable) {
        if (!channel.isActive()) {
            writable.completeExceptionally(new ClosedChannelException());
            return;
        }
        if (channel.isWritable()) {
            writable.complete(null);
            return;
        }
        Writability handler = (Writability) channel.pipeline().get(NAME);
        if (handler == null) {
            handler = new Writability();
            channel.pipeline().addFirst(NAME, handler);
        }
        handler.waiters.add(writable);
        handler.scheduleRecheck();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * The waiters run in a task of their own, not inside the event: the event may come from
     * within the transport's flush (a stream's buffer draining below its low water mark), and
     * a waiter that writes and flushes there finds the flush in progress, so its data would
     * stay queued with nothing left to send it (seen over Yamux to js-libp2p).
     */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!waiters.isEmpty() && ctx.channel().isWritable()) {
            ctx.executor().execute(this::completeIfWritable);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(new IOException("stream closed while waiting to be writable"));
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        fail(new IOException("stream's writability handler removed"));
    }

    private void scheduleRecheck() {
        if (recheck == null && ctx != null) {
            recheck = ctx.executor().schedule(() -> {
                recheck = null;
                if (!ctx.channel().isActive()) {
                    fail(new ClosedChannelException());
                } else {
                    completeIfWritable();
                }
            }, RECHECK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void completeIfWritable() {
        if (waiters.isEmpty()) {
            return;
        }
        if (!ctx.channel().isWritable()) {
            if (!waiters.isEmpty()) {
                scheduleRecheck();
            }
            return;
        }
        cancelRecheck();
        // A waiter's callback may write until unwritable and wait again: it then joins a fresh
        // round, not this one.
        int ready = waiters.size();
        for (int i = 0; i < ready; i++) {
            waiters.poll().complete(null);
        }
    }

    private void fail(Throwable cause) {
        cancelRecheck();
        CompletableFuture<Void> waiter;
        while ((waiter = waiters.poll()) != null) {
            waiter.completeExceptionally(cause);
        }
    }

    private void cancelRecheck() {
        if (recheck != null) {
            recheck.cancel(false);
            recheck = null;
        }
    }
}
