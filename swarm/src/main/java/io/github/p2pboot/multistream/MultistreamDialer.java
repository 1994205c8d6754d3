package io.github.p2pboot.multistream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The initiator side of multistream-select 1.0: proposes {@code protocols} in order until the
 * peer echoes one, then removes itself and completes {@code selected} with it. Bytes that arrived
 * after the echo are kept for the handlers added in a callback on {@code selected}.
 *
 * <p>The header and the first proposal go out together, saving a round trip, as the spec
 * recommends. Bad input, a peer that supports none of the protocols, or a stream closed early fails
 * {@code selected} with a {@link ProtocolNegotiationException} and closes this stream only.
 *
 * <p>{@code selected} is completed on the channel's event loop before this decoder leaves the
 * pipeline, so a callback chained to it before negotiation ends ({@code thenAccept},
 * {@code whenComplete}, not their {@code Async} forms) adds handlers that receive the bytes the
 * peer sent right after its echo. A callback chained after completion from another thread may find
 * those bytes already passed down the pipeline.
 */
public final class MultistreamDialer extends OpeningDecoder {

    private static final Logger log = LoggerFactory.getLogger(MultistreamDialer.class);

    private final List<String> protocols;
    private final CompletableFuture<String> selected;
    private boolean headerReceived;
    private int proposal;

    /**
     * @param protocols the protocol ids to propose, most preferred first; not empty
     * @param selected completed with the protocol the peer accepted, or failed with a
     *     {@link ProtocolNegotiationException}
     */
    public MultistreamDialer(List<String> protocols, CompletableFuture<String> selected) {
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("at least one protocol to propose is needed");
        }
        this.protocols = List.copyOf(protocols);
        this.selected = selected;
    }

    @Override
    ByteBuf openingMessages(ChannelHandlerContext ctx) {
        return Messages.encode(ctx.alloc(), Messages.HEADER, protocols.get(0));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (selected.isDone()) {
            // Failed or cancelled by the caller (a timeout): whoever did that closes the stream,
            // and nothing read until then is of use.
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            String message;
            while (!selected.isDone() && (message = Messages.read(in)) != null) {
                handle(ctx, message);
            }
        } catch (ProtocolNegotiationException e) {
            in.skipBytes(in.readableBytes());
            fail(ctx, e);
        }
    }

    private void handle(ChannelHandlerContext ctx, String message) throws ProtocolNegotiationException {
        if (!headerReceived) {
            if (!Messages.HEADER.equals(message)) {
                throw new ProtocolNegotiationException("expected multistream header " + Messages.HEADER + ", got '" + message + "'");
            }
            headerReceived = true;
            return;
        }
        String proposed = protocols.get(proposal);
        if (proposed.equals(message)) {
            // Complete first: callbacks chained to the future add the caller's handlers behind
            // this one. Removing this decoder then hands the bytes buffered after the echo to them.
            selected.complete(proposed);
            if (ctx.channel().isOpen()) {
                ctx.pipeline().remove(this);
            }
            return;
        }
        if (!Messages.NOT_AVAILABLE.equals(message)) {
            throw new ProtocolNegotiationException("peer answered '" + message + "' to the proposal of " + proposed);
        }
        if (++proposal >= protocols.size()) {
            throw new ProtocolNegotiationException("peer supports none of " + protocols);
        }
        log.debug("Peer refused {} on {}, proposing {}", proposed, ctx.channel(), protocols.get(proposal));
        ctx.writeAndFlush(Messages.encode(ctx.alloc(), protocols.get(proposal)));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof ChannelInputShutdownEvent && !selected.isDone()) {
            fail(ctx, new ProtocolNegotiationException("stream closed by the peer during protocol negotiation of " + protocols));
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (selected.completeExceptionally(new ProtocolNegotiationException("stream closed during protocol negotiation of " + protocols))) {
            log.debug("Stream {} closed during protocol negotiation of {}", ctx.channel(), protocols);
        }
        super.channelInactive(ctx);
    }

    private void fail(ChannelHandlerContext ctx, ProtocolNegotiationException e) {
        log.debug("multistream-select failed on {}: {}", ctx.channel(), e.getMessage());
        selected.completeExceptionally(e);
        ctx.close();
    }
}
