package io.github.p2pboot.identity;

import io.github.p2pboot.codec.Base58;
import io.github.p2pboot.codec.Varint;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A libp2p peer id (spec {@code peer-ids/peer-ids.md}): the multihash of a peer's
 * protobuf-encoded public key, the identity multihash when that encoding is at most 42 bytes
 * (Ed25519, Secp256k1), sha2-256 otherwise. Text form: base58btc ({@code 12D3KooW...},
 * {@code Qm...}); the CIDv1 form ({@code bafz...}) is parsed too.
 */
public final class PeerId implements Comparable<PeerId> {

    static final int IDENTITY = 0x00;
    static final int SHA2_256 = 0x12;
    static final int MAX_INLINE_KEY_LENGTH = 42;
    /** The multicodec of a CID that holds a peer id. */
    static final int LIBP2P_KEY = 0x72;

    private final byte[] multihash;

    private PeerId(byte[] multihash) {
        this.multihash = multihash;
    }

    public static PeerId fromPublicKey(PublicKey key) {
        byte[] encoded = key.marshal();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (encoded.length <= MAX_INLINE_KEY_LENGTH) {
            out.write(IDENTITY);
            Varint.write(encoded.length, out);
            out.writeBytes(encoded);
        } else {
            out.write(SHA2_256);
            out.write(32);
            out.writeBytes(sha256(encoded));
        }
        return new PeerId(out.toByteArray());
    }

    /**
     * Wraps the binary form, a multihash, as found in multiaddrs and protocol messages.
     *
     * @throws KeyFormatException if it is not an identity or sha2-256 multihash of consistent length
     */
    public static PeerId fromBytes(byte[] multihash) {
        try {
            Varint.Decoded code = Varint.decode(multihash, 0);
            Varint.Decoded length = Varint.decode(multihash, code.length());
            int digestStart = code.length() + length.length();
            if (length.value() != multihash.length - digestStart) {
                throw new KeyFormatException("peer id multihash declares " + length.value() + " digest bytes but has "
                        + (multihash.length - digestStart));
            }
            if (code.value() == SHA2_256 && length.value() != 32) {
                throw new KeyFormatException("sha2-256 peer id must have a 32-byte digest, got " + length.value());
            }
            if (code.value() == IDENTITY) {
                if (length.value() > MAX_INLINE_KEY_LENGTH) {
                    throw new KeyFormatException("identity peer id longer than " + MAX_INLINE_KEY_LENGTH + " bytes");
                }
            } else if (code.value() != SHA2_256) {
                throw new KeyFormatException("peer id multihash code 0x" + Long.toHexString(code.value())
                        + " is neither identity (0x00) nor sha2-256 (0x12)");
            }
        } catch (KeyFormatException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new KeyFormatException("peer id is not a valid multihash: " + e.getMessage(), e);
        }
        return new PeerId(multihash.clone());
    }

    /**
     * Parses the text form: base58btc, or a CIDv1 in base32 with the libp2p-key codec.
     *
     * @throws KeyFormatException naming what is wrong
     */
    public static PeerId parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new KeyFormatException("empty peer id");
        }
        if (text.startsWith("1") || text.startsWith("Qm")) {
            try {
                return fromBytes(Base58.decode(text));
            } catch (KeyFormatException e) {
                throw new KeyFormatException("invalid peer id '" + text + "': " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new KeyFormatException("invalid peer id '" + text + "': " + e.getMessage(), e);
            }
        }
        if (text.charAt(0) == 'b') {
            return fromCid(text);
        }
        throw new KeyFormatException("invalid peer id '" + text + "': neither base58btc (12D3Koo..., Qm...) nor a base32 CIDv1 (b...)");
    }

    private static PeerId fromCid(String text) {
        byte[] cid;
        try {
            cid = Base32.decode(text.substring(1));
            Varint.Decoded version = Varint.decode(cid, 0);
            if (version.value() != 1) {
                throw new KeyFormatException("invalid peer id '" + text + "': CID version " + version.value() + ", expected 1");
            }
            Varint.Decoded codec = Varint.decode(cid, version.length());
            if (codec.value() != LIBP2P_KEY) {
                throw new KeyFormatException("invalid peer id '" + text + "': CID codec 0x" + Long.toHexString(codec.value())
                        + " is not libp2p-key (0x72)");
            }
            return fromBytes(Arrays.copyOfRange(cid, version.length() + codec.length(), cid.length));
        } catch (KeyFormatException e) {
            throw e.getMessage().startsWith("invalid peer id") ? e : new KeyFormatException("invalid peer id '" + text + "': " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new KeyFormatException("invalid peer id '" + text + "': " + e.getMessage(), e);
        }
    }

    public byte[] toBytes() {
        return multihash.clone();
    }

    public String toBase58() {
        return Base58.encode(multihash);
    }

    /** The CIDv1 text form: multibase base32 of (version 1, libp2p-key, multihash). */
    public String toCidString() {
        ByteArrayOutputStream cid = new ByteArrayOutputStream();
        Varint.write(1, cid);
        Varint.write(LIBP2P_KEY, cid);
        cid.writeBytes(multihash);
        return "b" + Base32.encode(cid.toByteArray());
    }

    /** The public key, if the id inlines it (identity multihash). */
    public Optional<PublicKey> publicKey() {
        if (multihash[0] != IDENTITY) {
            return Optional.empty();
        }
        Varint.Decoded length = Varint.decode(multihash, 1);
        return Optional.of(PublicKey.unmarshal(Arrays.copyOfRange(multihash, 1 + length.length(), multihash.length)));
    }

    /** Whether {@code key} is the key this id was derived from. */
    public boolean matches(PublicKey key) {
        return equals(fromPublicKey(key));
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerId other && Arrays.equals(multihash, other.multihash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(multihash);
    }

    @Override
    public int compareTo(PeerId o) {
        return Arrays.compareUnsigned(multihash, o.multihash);
    }

    @Override
    public String toString() {
        return toBase58();
    }

    /** RFC 4648 base32, lower case, no padding: the multibase 'b' alphabet. */
    static final class Base32 {
        private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

        static String encode(byte[] data) {
            StringBuilder sb = new StringBuilder();
            int buffer = 0;
            int bits = 0;
            for (byte b : data) {
                buffer = (buffer << 8) | (b & 0xFF);
                bits += 8;
                while (bits >= 5) {
                    sb.append(ALPHABET.charAt((buffer >> (bits - 5)) & 31));
                    bits -= 5;
                }
            }
            if (bits > 0) {
                sb.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
            }
            return sb.toString();
        }

        static byte[] decode(String text) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int buffer = 0;
            int bits = 0;
            String lower = text.toLowerCase(Locale.ROOT);
            for (int i = 0; i < lower.length(); i++) {
                int value = ALPHABET.indexOf(lower.charAt(i));
                if (value < 0) {
                    throw new IllegalArgumentException("invalid base32 character '" + text.charAt(i) + "' at index " + i);
                }
                buffer = (buffer << 5) | value;
                bits += 5;
                if (bits >= 8) {
                    out.write((buffer >> (bits - 8)) & 0xFF);
                    bits -= 8;
                }
            }
            return out.toByteArray();
        }
    }
}
