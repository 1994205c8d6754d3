package io.github.p2pboot.multistream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The responder side of multistream-select 1.0: answers the peer's proposals until one is
 * supported, then hands the stream to {@code onSelected} and removes itself. Bytes that arrived
 * after the accepted proposal are passed on to the handlers {@code onSelected} installed.
 *
 * <p>Answers {@code ls} with {@code na}, as listing is optional. Bad input, more than
 * {@value #MAX_REFUSALS} refused proposals, or a stream closed before a protocol was agreed close
 * this stream only; the reason is logged at DEBUG. A peer can cause those at will, so nothing is
 * raised that would reach the end of the pipeline and be logged as a warning.
 */
public final class MultistreamListener extends OpeningDecoder {

    /** Refused proposals allowed on one stream before the peer is considered abusive. */
    static final int MAX_REFUSALS = 32;

    private static final Logger log = LoggerFactory.getLogger(MultistreamListener.class);

    private final Predicate<String> supported;
    private final BiConsumer<ChannelHandlerContext, String> onSelected;
    private boolean headerReceived;
    private int refusals;
    private String selected;

    /**
     * @param supported whether a proposed protocol id is served here
     * @param onSelected called on the event loop once a protocol is accepted, before this decoder
     *     leaves the pipeline: handlers it adds receive the bytes that followed the proposal
     */
    public MultistreamListener(Predicate<String> supported, BiConsumer<ChannelHandlerContext, String> onSelected) {
        this.supported = supported;
        this.onSelected = onSelected;
    }

    @Override
    ByteBuf openingMessages(ChannelHandlerContext ctx) {
        return Messages.encode(ctx.alloc(), Messages.HEADER);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (selected != null) {
            return;
        }
        try {
            String message;
            while (selected == null && (message = Messages.read(in)) != null) {
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
        // ls asks for a listing, which is optional: it is refused like any unsupported proposal,
        // never taken for a protocol id.
        if (!Messages.LIST.equals(message) && supported.test(message)) {
            selected = message;
            ctx.writeAndFlush(Messages.encode(ctx.alloc(), message));
            // Removing the decoder hands any bytes buffered after the proposal to the handlers
            // onSelected adds: install them first, then step aside.
            onSelected.accept(ctx, message);
            if (ctx.channel().isOpen()) {
                ctx.pipeline().remove(this);
            }
            return;
        }
        if (++refusals > MAX_REFUSALS) {
            throw new ProtocolNegotiationException("peer proposed more than " + MAX_REFUSALS + " unsupported protocols");
        }
        log.debug("Refusing protocol '{}' on {}", message, ctx.channel());
        ctx.writeAndFlush(Messages.encode(ctx.alloc(), Messages.NOT_AVAILABLE));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof ChannelInputShutdownEvent && selected == null) {
            fail(ctx, new ProtocolNegotiationException("stream closed by the peer before a protocol was agreed"));
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (selected == null) {
            log.debug("Stream {} closed before a protocol was agreed", ctx.channel());
        }
        super.channelInactive(ctx);
    }

    private void fail(ChannelHandlerContext ctx, ProtocolNegotiationException e) {
        log.debug("multistream-select failed on {}: {}", ctx.channel(), e.getMessage());
        ctx.close();
    }
}
