package io.github.p2pboot.identity;

import io.github.p2pboot.codec.Varint;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * The libp2p key protobuf, {@code message PublicKey/PrivateKey { required KeyType Type = 1;
 * required bytes Data = 2; }}, written by hand: peer ids hash this encoding, so it must be
 * deterministic (Type first, then Data, nothing else).
 */
record KeyProtobuf(KeyType type, byte[] data) {

    private static final int TYPE_TAG = 0x08; // field 1, varint
    private static final int DATA_TAG = 0x12; // field 2, length-delimited

    byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 8);
        out.write(TYPE_TAG);
        Varint.write(type.number(), out);
        out.write(DATA_TAG);
        Varint.write(data.length, out);
        out.writeBytes(data);
        return out.toByteArray();
    }

    /**
     * @param what "public key" or "private key", for error messages (never the bytes themselves)
     */
    static KeyProtobuf decode(byte[] encoded, String what) {
        Long type = null;
        byte[] data = null;
        int offset = 0;
        try {
            while (offset < encoded.length) {
                int tag = encoded[offset++] & 0xFF;
                if (tag == TYPE_TAG) {
                    Varint.Decoded value = Varint.decode(encoded, offset);
                    offset += value.length();
                    type = value.value();
                } else if (tag == DATA_TAG) {
                    Varint.Decoded length = Varint.decode(encoded, offset);
                    offset += length.length();
                    if (length.value() > encoded.length - offset) {
                        throw new KeyFormatException(what + " protobuf is truncated: Data needs " + length.value()
                                + " bytes, " + (encoded.length - offset) + " left");
                    }
                    data = Arrays.copyOfRange(encoded, offset, offset + (int) length.value());
                    offset += (int) length.value();
                } else {
                    throw new KeyFormatException(what + " protobuf has an unexpected field tag 0x" + Integer.toHexString(tag)
                            + " at byte " + (offset - 1));
                }
            }
        } catch (KeyFormatException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new KeyFormatException(what + " protobuf is truncated or malformed: " + e.getMessage(), e);
        }
        if (type == null) {
            throw new KeyFormatException(what + " protobuf has no Type field");
        }
        if (data == null) {
            throw new KeyFormatException(what + " protobuf has no Data field");
        }
        return new KeyProtobuf(KeyType.fromNumber(type), data);
    }
}
