package io.github.p2pboot.swarm;

import io.github.p2pboot.transport.StreamReset;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resets a stream on which nothing was read or written for the idle timeout, so that a peer
 * cannot keep streams (and what they buffer) open for as long as it likes. A write counts once it
 * has gone out, or made progress, so a stream stuck on a peer that reads nothing is idle too.
 */
final class IdleStreamReset extends IdleStateHandler {

    private static final Logger log = LoggerFactory.getLogger(IdleStreamReset.class);

    private final Duration timeout;

    IdleStreamReset(Duration timeout) {
        super(true, 0, 0, timeout.toNanos(), TimeUnit.NANOSECONDS);
        this.timeout = timeout;
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        log.debug("Resetting stream {}: no traffic either way for {} ms", ctx.channel(), timeout.toMillis());
        StreamReset.reset(ctx.channel());
    }
}
