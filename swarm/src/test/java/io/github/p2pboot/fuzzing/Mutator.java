package io.github.p2pboot.fuzzing;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Fuzz inputs: valid messages damaged the way a hostile or broken peer would (bits flipped, bytes
 * inserted, dropped, duplicated or cut off, lengths replaced by huge ones), and plain random bytes.
 * Mutations are drawn from a seed, so a failing input is reproduced by its seed.
 */
public final class Mutator {

    /** Varints that declare huge lengths: 2^31 - 1, 2^32 - 1, 2^63 - 1 (9 bytes), and 2^32 as a 5-byte varint. */
    private static final byte[][] HUGE_VARINTS = {
            {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07},
            {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F},
            {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F},
            {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x10},
            {(byte) 0x81, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01},
    };

    private Mutator() {
    }

    /** A fuzz input: its bytes and the seed that also decides how they are split into reads. */
    public record Input(byte[] bytes, long seed) {
        /** Splits the bytes into the chunks one read each would deliver: all at once, byte by byte, or at random. */
        public byte[][] chunks() {
            SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
            int mode = random.nextInt(4);
            if (mode == 0 || bytes.length <= 1) {
                return new byte[][] {bytes};
            }
            if (mode == 1 && bytes.length <= 256) {
                byte[][] single = new byte[bytes.length][];
                for (int i = 0; i < bytes.length; i++) {
                    single[i] = new byte[] {bytes[i]};
                }
                return single;
            }
            int pieces = 1 + random.nextInt(Math.min(8, bytes.length));
            int[] cuts = random.ints(pieces - 1, 1, bytes.length).sorted().distinct().toArray();
            byte[][] out = new byte[cuts.length + 1][];
            int from = 0;
            for (int i = 0; i < cuts.length; i++) {
                out[i] = Arrays.copyOfRange(bytes, from, cuts[i]);
                from = cuts[i];
            }
            out[cuts.length] = Arrays.copyOfRange(bytes, from, bytes.length);
            return out;
        }

        @Override
        public String toString() {
            return "Input[seed=" + seed + ", " + bytes.length + " bytes: " + java.util.HexFormat.of().formatHex(bytes, 0,
                    Math.min(bytes.length, 512)) + (bytes.length > 512 ? "..." : "") + "]";
        }
    }

    /** Mostly mutated valid inputs, some untouched valid ones, some random bytes. */
    public static Gen<Input> inputs(Gen<byte[]> valid) {
        Gen<byte[]> random = Gen.bytes(0, 300);
        return Gen.frequency(
                Gen.weight(1, r -> new Input(valid.next(r), r.nextLong())),
                Gen.weight(7, r -> {
                    byte[] bytes = valid.next(r);
                    long seed = r.nextLong();
                    return new Input(mutate(bytes, new SplittableRandom(seed)), seed);
                }),
                Gen.weight(2, r -> new Input(random.next(r), r.nextLong())));
    }

    /** One to four mutations of {@code valid}. */
    public static byte[] mutate(byte[] valid, SplittableRandom random) {
        byte[] data = valid.clone();
        int count = 1 + random.nextInt(4);
        for (int i = 0; i < count; i++) {
            data = mutateOnce(data, random);
        }
        return data;
    }

    private static byte[] mutateOnce(byte[] data, SplittableRandom random) {
        int n = data.length;
        switch (random.nextInt(9)) {
            case 0 -> { // flip a bit
                if (n > 0) {
                    data[random.nextInt(n)] ^= (byte) (1 << random.nextInt(8));
                }
                return data;
            }
            case 1 -> { // set a byte to an interesting or random value
                if (n > 0) {
                    int[] values = {0x00, 0x01, 0x7F, 0x80, 0xFF, random.nextInt(256)};
                    data[random.nextInt(n)] = (byte) values[random.nextInt(values.length)];
                }
                return data;
            }
            case 2 -> { // insert random bytes
                byte[] extra = new byte[1 + random.nextInt(8)];
                random.nextBytes(extra);
                return splice(data, random.nextInt(n + 1), 0, extra);
            }
            case 3 -> { // delete a range
                if (n == 0) {
                    return data;
                }
                int at = random.nextInt(n);
                return splice(data, at, 1 + random.nextInt(Math.min(8, n - at)), new byte[0]);
            }
            case 4 -> { // truncate
                return Arrays.copyOf(data, n == 0 ? 0 : random.nextInt(n));
            }
            case 5 -> { // duplicate a range
                if (n == 0) {
                    return data;
                }
                int at = random.nextInt(n);
                byte[] copy = Arrays.copyOfRange(data, at, at + 1 + random.nextInt(Math.min(32, n - at)));
                return splice(data, random.nextInt(n + 1), 0, copy);
            }
            case 6 -> { // a huge declared length in place of a byte (varint lengths)
                byte[] huge = HUGE_VARINTS[random.nextInt(HUGE_VARINTS.length)];
                return splice(data, n == 0 ? 0 : random.nextInt(n), n == 0 ? 0 : 1, huge);
            }
            case 7 -> { // a huge fixed-width field (2- or 4-byte big-endian lengths)
                if (n < 2) {
                    return data;
                }
                int width = n >= 4 && random.nextBoolean() ? 4 : 2;
                int at = random.nextInt(n - width + 1);
                boolean max = random.nextBoolean();
                for (int i = 0; i < width; i++) {
                    data[at + i] = max ? (byte) 0xFF : (byte) (i == 0 ? 0x7F : 0xFF);
                }
                return data;
            }
            default -> { // swap two bytes
                if (n >= 2) {
                    int a = random.nextInt(n);
                    int b = random.nextInt(n);
                    byte t = data[a];
                    data[a] = data[b];
                    data[b] = t;
                }
                return data;
            }
        }
    }

    private static byte[] splice(byte[] data, int at, int remove, byte[] insert) {
        byte[] out = new byte[data.length - remove + insert.length];
        System.arraycopy(data, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(data, at + remove, out, at + insert.length, data.length - at - remove);
        return out;
    }
}
