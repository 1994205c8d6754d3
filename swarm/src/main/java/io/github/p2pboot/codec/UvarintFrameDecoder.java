package io.github.p2pboot.codec;

import io.github.p2pboot.resource.MemoryBudget;
import io.github.p2pboot.transport.StreamReset;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.AttributeKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Splits a stream into frames that each start with their length as an unsigned varint, the
 * framing of libp2p's protobuf protocols (identify, Kademlia). Emits each frame's body as a
 * {@link ByteBuf}.
 *
 * <p>A peer cannot make us hold a frame for long or beyond our means: a frame longer than the limit
 * fails the channel instead of being buffered; before buffering the rest of an incomplete frame,
 * its whole length is reserved from the stream's {@link MemoryBudget} (released when the frame is
 * complete or the stream ends); and a frame that has not arrived whole within the message timeout
 * (the channel's {@link #MESSAGE_TIMEOUT} attribute, else {@link #DEFAULT_MESSAGE_TIMEOUT}) is
 * abandoned. Refused or abandoned, the stream is {@linkplain StreamReset reset}, what was buffered
 * is dropped, and the handlers after this one get an exception saying why.
 */
public final class UvarintFrameDecoder extends ByteToMessageDecoder {

    /** How long one frame may take to arrive whole on a channel; set by the swarm on its streams. */
    public static final AttributeKey<Duration> MESSAGE_TIMEOUT =
            AttributeKey.valueOf(UvarintFrameDecoder.class, "messageTimeout");

    /** The message timeout of channels without {@link #MESSAGE_TIMEOUT}. */
    public static final Duration DEFAULT_MESSAGE_TIMEOUT = Duration.ofSeconds(10);

    private final int maxFrameLength;
    /** Bytes reserved from the budget for the frame being received; 0 if none. */
    private long reserved;
    private MemoryBudget reservedFrom;
    private ScheduledFuture<?> deadline;
    private boolean abandoned;

    public UvarintFrameDecoder(int maxFrameLength) {
        this.maxFrameLength = maxFrameLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (abandoned) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int start = in.readerIndex();
        long length;
        try {
            length = Varint.tryRead(in);
        } catch (IllegalArgumentException e) {
            in.skipBytes(in.readableBytes());
            throw new CorruptedFrameException("invalid frame length prefix: " + e.getMessage());
        }
        if (length < 0) {
            awaitRest(ctx);
            return;
        }
        if (length > maxFrameLength) {
            in.skipBytes(in.readableBytes());
            throw new TooLongFrameException("frame of " + length + " bytes exceeds the limit of " + maxFrameLength + " bytes");
        }
        if (in.readableBytes() < length) {
            in.readerIndex(start);
            if (reserved == 0) {
                MemoryBudget budget = MemoryBudget.of(ctx.channel());
                if (!budget.reserve(length)) {
                    abandon(ctx);
                    throw new TooLongFrameException("frame of " + length
                            + " bytes refused: the stream's memory budget cannot hold it; resetting the stream");
                }
                reserved = length;
                reservedFrom = budget;
            }
            awaitRest(ctx);
            return;
        }
        out.add(in.readRetainedSlice((int) length));
        frameDone();
    }

    /** Part of a frame is here: the rest must come within the message timeout. */
    private void awaitRest(ChannelHandlerContext ctx) {
        if (deadline != null || !ctx.channel().isActive()) {
            return;
        }
        Duration timeout = ctx.channel().attr(MESSAGE_TIMEOUT).get();
        if (timeout == null) {
            timeout = DEFAULT_MESSAGE_TIMEOUT;
        }
        long millis = timeout.toMillis();
        deadline = ctx.executor().schedule(() -> {
            deadline = null;
            if (!abandoned && internalBuffer().isReadable()) {
                abandon(ctx);
                ctx.fireExceptionCaught(new DecoderException("a message did not arrive whole within " + millis
                        + " ms; resetting the stream"));
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    /** Gives up on the stream: nothing more is decoded, the budget gets its bytes back. */
    private void abandon(ChannelHandlerContext ctx) {
        abandoned = true;
        ByteBuf buffered = internalBuffer();
        buffered.skipBytes(buffered.readableBytes());
        frameDone();
        StreamReset.reset(ctx.channel());
    }

    private void frameDone() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
        if (reserved > 0) {
            reservedFrom.release(reserved);
            reserved = 0;
            reservedFrom = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        super.channelInactive(ctx);
        frameDone();
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        frameDone();
    }
}
