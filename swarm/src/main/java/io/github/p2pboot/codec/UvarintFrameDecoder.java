package io.github.p2pboot.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Splits a stream into frames that each start with their length as an unsigned varint, the
 * framing of libp2p's protobuf protocols (identify, Kademlia). Emits each frame's body as a
 * {@link ByteBuf}. A frame longer than the limit fails the channel instead of being buffered, so a
 * peer cannot make us hold more than {@code maxFrameLength} bytes for it.
 */
public final class UvarintFrameDecoder extends ByteToMessageDecoder {

    private final int maxFrameLength;

    public UvarintFrameDecoder(int maxFrameLength) {
        this.maxFrameLength = maxFrameLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        long length;
        try {
            length = Varint.tryRead(in);
        } catch (IllegalArgumentException e) {
            in.skipBytes(in.readableBytes());
            throw new CorruptedFrameException("invalid frame length prefix: " + e.getMessage());
        }
        if (length < 0) {
            return;
        }
        if (length > maxFrameLength) {
            in.skipBytes(in.readableBytes());
            throw new TooLongFrameException("frame of " + length + " bytes exceeds the limit of " + maxFrameLength + " bytes");
        }
        if (in.readableBytes() < length) {
            in.readerIndex(start);
            return;
        }
        out.add(in.readRetainedSlice((int) length));
    }
}
