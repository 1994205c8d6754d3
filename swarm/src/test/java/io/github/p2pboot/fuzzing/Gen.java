package io.github.p2pboot.fuzzing;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A generator of fuzz values: a plain function of a {@link SplittableRandom}, so that one seed fixes
 * the whole value. Only the few combinators the fuzz tests use.
 */
@FunctionalInterface
public interface Gen<T> {

    T next(SplittableRandom random);

    default <R> Gen<R> map(Function<? super T, ? extends R> f) {
        return r -> f.apply(next(r));
    }

    default <R> Gen<R> flatMap(Function<? super T, ? extends Gen<? extends R>> f) {
        return r -> f.apply(next(r)).next(r);
    }

    /** Draws again until the value passes; the predicate must pass often. */
    default Gen<T> filter(Predicate<? super T> keep) {
        return r -> {
            for (int i = 0; i < 10_000; i++) {
                T value = next(r);
                if (keep.test(value)) {
                    return value;
                }
            }
            throw new IllegalStateException("filter rejected 10,000 values in a row");
        };
    }

    /** Lists of {@code min} to {@code max} values. */
    default Gen<List<T>> list(int min, int max) {
        return r -> {
            int size = min + r.nextInt(max - min + 1);
            List<T> out = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                out.add(next(r));
            }
            return out;
        };
    }

    @SafeVarargs
    static <T> Gen<T> of(T... values) {
        List<T> copy = List.of(values);
        return r -> copy.get(r.nextInt(copy.size()));
    }

    static <T> Gen<T> of(List<T> values) {
        List<T> copy = List.copyOf(values);
        return r -> copy.get(r.nextInt(copy.size()));
    }

    static <E extends Enum<E>> Gen<E> of(Class<E> type) {
        return of(type.getEnumConstants());
    }

    /** One of the generators, each as likely. */
    @SafeVarargs
    static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
        return r -> gens[r.nextInt(gens.length)].next(r);
    }

    /** A generator and its weight in {@link #frequency}. */
    record Weighted<T>(int weight, Gen<? extends T> gen) {
    }

    static <T> Weighted<T> weight(int weight, Gen<? extends T> gen) {
        return new Weighted<>(weight, gen);
    }

    /** One of the generators, each as likely as its weight says. */
    @SafeVarargs
    static <T> Gen<T> frequency(Weighted<? extends T>... choices) {
        int total = 0;
        for (Weighted<? extends T> c : choices) {
            total += c.weight();
        }
        int sum = total;
        return r -> {
            int pick = r.nextInt(sum);
            for (Weighted<? extends T> c : choices) {
                pick -= c.weight();
                if (pick < 0) {
                    return c.gen().next(r);
                }
            }
            throw new AssertionError("unreachable");
        };
    }

    /** Random bytes, {@code min} to {@code max} of them. */
    static Gen<byte[]> bytes(int min, int max) {
        return r -> {
            byte[] out = new byte[min + r.nextInt(max - min + 1)];
            r.nextBytes(out);
            return out;
        };
    }

    /** Ints from {@code min} to {@code max}, both included. */
    static Gen<Integer> ints(int min, int max) {
        return r -> min + r.nextInt(max - min + 1);
    }

    /** Longs from {@code min} to {@code max}, both included. */
    static Gen<Long> longs(long min, long max) {
        return r -> r.nextLong(min, max + 1);
    }

    /** Longs of 0 to 2^63 - 1, every bit length as likely. */
    static Gen<Long> nonNegativeLongs() {
        return r -> (r.nextLong() & Long.MAX_VALUE) >>> r.nextInt(63);
    }

    /** Any long, small ones and the extremes more often than chance would give them. */
    static Gen<Long> longs() {
        return r -> switch (r.nextInt(8)) {
            case 0 -> r.nextLong(-256, 257);
            case 1 -> of(0L, 1L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, (long) Integer.MAX_VALUE, 0xFFFF_FFFFL).next(r);
            default -> r.nextLong();
        };
    }

    static Gen<Boolean> booleans() {
        return SplittableRandom::nextBoolean;
    }

    /** Any UTF-16 char, surrogates included (a string may then not be valid Unicode). */
    static Gen<Character> anyChar() {
        return r -> (char) r.nextInt(Character.MAX_VALUE + 1);
    }

    static Gen<Character> asciiChar() {
        return r -> (char) r.nextInt(128);
    }

    static Gen<Character> charsOf(String alphabet) {
        return r -> alphabet.charAt(r.nextInt(alphabet.length()));
    }

    /** Strings of {@code min} to {@code max} chars. */
    static Gen<String> strings(Gen<Character> chars, int min, int max) {
        return r -> {
            int size = min + r.nextInt(max - min + 1);
            StringBuilder out = new StringBuilder(size);
            for (int i = 0; i < size; i++) {
                out.append(chars.next(r));
            }
            return out.toString();
        };
    }
}
