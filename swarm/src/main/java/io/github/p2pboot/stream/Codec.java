package io.github.p2pboot.stream;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns requests and responses into bytes and back. A codec that throws fails only the request it
 * was given, with {@link StreamException.Reason#CODEC}.
 */
public interface Codec<T> {

    byte[] encode(T value) throws Exception;

    T decode(byte[] bytes) throws Exception;

    /** The bytes as they are. */
    static Codec<byte[]> bytes() {
        return new Codec<>() {
            @Override
            public byte[] encode(byte[] value) {
                return value;
            }

            @Override
            public byte[] decode(byte[] bytes) {
                return bytes;
            }
        };
    }

    /** UTF-8 text; bytes that are not UTF-8 fail to decode. */
    static Codec<String> utf8() {
        return new Codec<>() {
            @Override
            public byte[] encode(String value) {
                return value.getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public String decode(byte[] bytes) throws CharacterCodingException {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            }
        };
    }

    /** Protocol Buffers messages, e.g. {@code Codec.protobuf(MyRequest.parser())}. */
    static <T extends MessageLite> Codec<T> protobuf(Parser<T> parser) {
        return new Codec<>() {
            @Override
            public byte[] encode(T value) {
                return value.toByteArray();
            }

            @Override
            public T decode(byte[] bytes) throws InvalidProtocolBufferException {
                return parser.parseFrom(bytes);
            }
        };
    }
}
