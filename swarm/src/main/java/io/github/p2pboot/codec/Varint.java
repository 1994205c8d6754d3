package io.github.p2pboot.codec;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;

/**
 * Unsigned LEB128 varints as used by multiformats (multihash, multiaddr, multistream-select and
 * length-prefixed protobuf frames). Values are limited to 63 bits, i.e. at most 9 bytes, as the
 * multiformats unsigned-varint spec requires; non-minimal encodings are rejected.
 */
public final class Varint {

    /** The longest encoding the multiformats spec allows. */
    public static final int MAX_BYTES = 9;

    private Varint() {
    }

    /** Returns the number of bytes {@code value} takes when encoded. */
    public static int encodedLength(long value) {
        checkNonNegative(value);
        int length = 1;
        while ((value >>>= 7) != 0) {
            length++;
        }
        return length;
    }

    public static byte[] encode(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(MAX_BYTES);
        write(value, out);
        return out.toByteArray();
    }

    public static void write(long value, ByteArrayOutputStream out) {
        checkNonNegative(value);
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    public static void write(long value, ByteBuf out) {
        checkNonNegative(value);
        while ((value & ~0x7FL) != 0) {
            out.writeByte((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.writeByte((int) value);
    }

    /**
     * Decodes the varint that starts at {@code offset}.
     *
     * @return the value and the number of bytes it took
     * @throws IllegalArgumentException if the input ends inside the varint, it is longer than
     *     {@value #MAX_BYTES} bytes, or it is not minimally encoded
     */
    public static Decoded decode(byte[] data, int offset) {
        long value = 0;
        for (int i = 0; i < MAX_BYTES; i++) {
            if (offset + i >= data.length) {
                throw new IllegalArgumentException("truncated varint at offset " + offset);
            }
            int b = data[offset + i] & 0xFF;
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new IllegalArgumentException("varint at offset " + offset + " is not minimally encoded");
                }
                return new Decoded(value, i + 1);
            }
        }
        throw new IllegalArgumentException("varint at offset " + offset + " is longer than " + MAX_BYTES + " bytes");
    }

    /**
     * Reads a varint from {@code in} if the whole of it is readable, without consuming anything
     * otherwise: suited to Netty decoders that wait for more bytes.
     *
     * @return the value, or -1 if more bytes are needed
     * @throws IllegalArgumentException if the varint is longer than {@value #MAX_BYTES} bytes or
     *     not minimally encoded
     */
    public static long tryRead(ByteBuf in) {
        int start = in.readerIndex();
        long value = 0;
        for (int i = 0; i < MAX_BYTES; i++) {
            if (start + i >= in.writerIndex()) {
                return -1;
            }
            int b = in.getUnsignedByte(start + i);
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new IllegalArgumentException("varint is not minimally encoded");
                }
                in.readerIndex(start + i + 1);
                return value;
            }
        }
        throw new IllegalArgumentException("varint is longer than " + MAX_BYTES + " bytes");
    }

    private static void checkNonNegative(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("varint value must not be negative: " + value);
        }
    }

    /** A decoded value and the number of bytes its encoding took. */
    public record Decoded(long value, int length) {
    }
}
