package io.github.p2pboot.multistream;

import io.github.p2pboot.codec.Varint;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The multistream-select 1.0 message format: a uvarint length, then that many bytes of UTF-8
 * text ending in a newline.
 */
final class Messages {

    static final String HEADER = "/multistream/1.0.0";
    static final String NOT_AVAILABLE = "na";
    static final String LIST = "ls";
    /**
     * The longest message accepted, newline included: go-multistream refuses longer ones and
     * js-libp2p follows it, so no peer of theirs sends more. It also bounds what a peer can make us
     * buffer per stream.
     */
    static final int MAX_MESSAGE_LENGTH = 1024;

    private Messages() {
    }

    /**
     * Reads one message without its newline.
     *
     * @return null if {@code in} does not hold a whole message yet (nothing is consumed then)
     * @throws ProtocolNegotiationException naming what is wrong with the message
     */
    static String read(ByteBuf in) throws ProtocolNegotiationException {
        int start = in.readerIndex();
        long length;
        try {
            length = Varint.tryRead(in);
        } catch (IllegalArgumentException e) {
            throw new ProtocolNegotiationException("invalid multistream message length: " + e.getMessage());
        }
        if (length < 0) {
            return null;
        }
        if (length > MAX_MESSAGE_LENGTH) {
            throw new ProtocolNegotiationException("multistream message of " + length + " bytes exceeds the limit of " + MAX_MESSAGE_LENGTH);
        }
        if (length == 0) {
            throw new ProtocolNegotiationException("empty multistream message");
        }
        if (in.readableBytes() < length) {
            in.readerIndex(start);
            return null;
        }
        ByteBuf body = in.readSlice((int) length);
        if (body.getByte(body.writerIndex() - 1) != '\n') {
            throw new ProtocolNegotiationException("multistream message does not end with a newline");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(body.nioBuffer(body.readerIndex(), body.readableBytes() - 1))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolNegotiationException("multistream message is not valid UTF-8");
        }
    }

    static ByteBuf encode(ByteBufAllocator alloc, String... messages) {
        ByteBuf out = alloc.buffer();
        for (String message : messages) {
            byte[] text = (message + "\n").getBytes(StandardCharsets.UTF_8);
            Varint.write(text.length, out);
            out.writeBytes(text);
        }
        return out;
    }
}
