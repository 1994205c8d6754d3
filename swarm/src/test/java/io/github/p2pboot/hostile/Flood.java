package io.github.p2pboot.hostile;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Writes what a {@link Source} gives to a channel for as long as the channel takes it, at the
 * speed the victim reads: at most {@value #IN_FLIGHT} writes not yet taken by the transport (the
 * socket, or QUIC's flow control), each next write sent as one completes, so the attacker never
 * buffers much itself. Ends when the source is exhausted, the byte budget is spent, the
 * channel closes, nothing could be written for {@code stall} (the victim stopped reading: its
 * backpressure works), or at {@code max}. Completes with the bytes written.
 */
final class Flood extends ChannelInboundHandlerAdapter {

    /** What to write. Called on the channel's event loop. */
    interface Source {
        /** The next bytes to write, or null if there is nothing to write now (e.g. no window). */
        ByteBuf next();

        /** Nothing more will ever come. */
        default boolean exhausted() {
            return false;
        }
    }

    private static final int IN_FLIGHT = 8;

    private final Channel channel;
    private final Source source;
    private final long budget;
    private final long stallNanos;
    private final long deadline;
    private final CompletableFuture<Long> done = new CompletableFuture<>();
    private ScheduledFuture<?> ticker;
    private long written;
    private int inFlight;
    private long lastProgress = System.nanoTime();

    private Flood(Channel channel, Source source, long budget, Duration stall, Duration max) {
        this.channel = channel;
        this.source = source;
        this.budget = budget;
        this.stallNanos = stall.toNanos();
        this.deadline = System.nanoTime() + max.toNanos();
    }

    /** Starts flooding {@code channel}; see the class comment for when it ends. */
    static Flood start(Channel channel, Source source, long budget, Duration stall, Duration max) {
        Flood flood = new Flood(channel, source, budget, stall, max);
        channel.eventLoop().execute(() -> {
            if (!channel.isActive()) {
                flood.done.complete(0L);
                return;
            }
            channel.pipeline().addLast(flood);
            flood.ticker = channel.eventLoop().scheduleAtFixedRate(flood::tick, 100, 100, TimeUnit.MILLISECONDS);
            flood.drain();
        });
        return flood;
    }

    CompletableFuture<Long> done() {
        return done;
    }

    /** More can be written now (e.g. the victim granted window); safe from any thread. */
    void resume() {
        if (!done.isDone()) {
            channel.eventLoop().execute(this::drain);
        }
    }

    private void drain() {
        if (done.isDone()) {
            return;
        }
        boolean wrote = false;
        while (inFlight < IN_FLIGHT && written < budget && channel.isActive()) {
            ByteBuf next = source.next();
            if (next == null) {
                break;
            }
            int length = next.readableBytes();
            inFlight++;
            wrote = true;
            channel.write(next).addListener(f -> {
                inFlight--;
                if (f.isSuccess()) {
                    written += length;
                    lastProgress = System.nanoTime();
                    drain();
                }
            });
        }
        if (wrote) {
            channel.flush();
        }
        if ((written >= budget || source.exhausted()) && inFlight == 0) {
            finish();
        }
    }

    private void tick() {
        long now = System.nanoTime();
        if (!channel.isActive() || now - lastProgress > stallNanos || now > deadline) {
            finish();
        } else {
            drain();
        }
    }

    private void finish() {
        if (ticker != null) {
            ticker.cancel(false);
        }
        if (done.complete(written) && channel.pipeline().context(this) != null) {
            channel.pipeline().remove(this);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        finish();
        super.channelInactive(ctx);
    }
}
