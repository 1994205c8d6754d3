package io.github.p2pboot.transport.tcp;

import io.github.p2pboot.resource.Incidents;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes an inbound connection whose first byte does not come in time. A dialler speaks first
 * (multistream-select's header), and does so at once; a socket that stays silent only holds one of
 * the few pending-upgrade slots, so it gets far less time than the whole upgrade.
 */
final class FirstBytesDeadline extends ChannelInboundHandlerAdapter {

    static final String SILENT = "TCP connection silent";
    /** Set on a channel closed for silence, whose failed upgrade is then not a second incident. */
    private static final AttributeKey<Boolean> CLOSED_SILENT = AttributeKey.valueOf(FirstBytesDeadline.class, "closedSilent");

    private final Duration timeout;
    private final Incidents incidents;
    private ScheduledFuture<?> timer;

    FirstBytesDeadline(Duration timeout, Incidents incidents) {
        this.timeout = timeout;
        this.incidents = incidents;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> {
            if (ctx.channel().isOpen()) {
                incidents.report(SILENT, ctx.channel().remoteAddress(), "no byte within " + timeout.toMillis() + " ms of connecting");
                ctx.channel().attr(CLOSED_SILENT).set(Boolean.TRUE);
                ctx.close();
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether {@code channel} was closed by this deadline, its incident already reported. */
    static boolean closedSilent(Channel channel) {
        return Boolean.TRUE.equals(channel.attr(CLOSED_SILENT).get());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        timer.cancel(false);
        super.channelInactive(ctx);
    }
}
