package io.github.p2pboot.kademlia;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A position in the Kademlia key space: the sha2-256 of a key's bytes (a peer id's multihash, or a
 * record or provider key). Distance is the XOR of two positions, compared as unsigned integers.
 */
final class Key {

    static final int BITS = 256;

    private final byte[] hash;

    private Key(byte[] hash) {
        this.hash = hash;
    }

    static Key of(byte[] key) {
        try {
            return new Key(MessageDigest.getInstance("SHA-256").digest(key));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    /** The XOR distance to {@code other}, as 32 big-endian bytes. */
    byte[] distance(Key other) {
        byte[] d = new byte[hash.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = (byte) (hash[i] ^ other.hash[i]);
        }
        return d;
    }

    /** How many leading bits this key shares with {@code other}; 256 for equal keys. */
    int commonPrefixLength(Key other) {
        for (int i = 0; i < hash.length; i++) {
            int x = (hash[i] ^ other.hash[i]) & 0xFF;
            if (x != 0) {
                return i * 8 + Integer.numberOfLeadingZeros(x) - 24;
            }
        }
        return BITS;
    }

    /** Orders by distance to a target, nearest first. */
    static int compareDistance(Key target, Key a, Key b) {
        return Arrays.compareUnsigned(a.distance(target), b.distance(target));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key other && Arrays.equals(hash, other.hash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hash);
    }
}
