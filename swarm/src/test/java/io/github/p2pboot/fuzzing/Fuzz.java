package io.github.p2pboot.fuzzing;

import java.util.SplittableRandom;

/**
 * Runs a fuzz property on plain JUnit 5: {@link FuzzTries#of the configured tries}, each with a
 * value drawn from its own seed. The seeds come from a base seed, {@code -Dfuzz.seed} or else
 * random; the first failing try throws an {@link AssertionError} naming the property, the try, the
 * base seed and the input, so that {@code -Dfuzz.seed=<base>} replays the run exactly, and
 * {@code -Dfuzz.trySeed=<try seed>} runs that one try alone (to tell an input's own cost from what
 * the tries before it left behind).
 */
public final class Fuzz {

    private Fuzz() {
    }

    /** A check of one generated value. */
    @FunctionalInterface
    public interface Check<T> {
        void accept(T value) throws Exception;
    }

    /** Runs {@code check} on values of {@code gen}, with all the configured tries. */
    public static <T> void forAll(Gen<T> gen, Check<? super T> check) {
        forAll(1.0, gen, check);
    }

    /**
     * Runs {@code check} on values of {@code gen}, with {@code share} of the configured tries (for a
     * property one try of which costs far more than the others'). The property is the calling method.
     */
    public static <T> void forAll(double share, Gen<T> gen, Check<? super T> check) {
        StackWalker.StackFrame caller = StackWalker.getInstance()
                .walk(frames -> frames.filter(f -> !f.getClassName().equals(Fuzz.class.getName())).findFirst().orElseThrow());
        String property = caller.getClassName().substring(caller.getClassName().lastIndexOf('.') + 1) + "." + caller.getMethodName();
        run(property, FuzzTries.of(caller.getMethodName(), share), gen, check);
    }

    static <T> void run(String property, int tries, Gen<T> gen, Check<? super T> check) {
        String single = System.getProperty("fuzz.trySeed");
        if (single != null && !single.isBlank()) {
            long seed = Long.parseLong(single.trim());
            T value = gen.next(new SplittableRandom(seed));
            try {
                check.accept(value);
            } catch (Throwable e) {
                throw new AssertionError(property + " failed on the try of seed " + seed + ": " + e + "\n  input: " + value, e);
            }
            return;
        }
        String configured = System.getProperty("fuzz.seed");
        long base = configured != null && !configured.isBlank() ? Long.parseLong(configured.trim()) : new SplittableRandom().nextLong();
        SplittableRandom seeds = new SplittableRandom(base);
        for (int i = 0; i < tries; i++) {
            long seed = seeds.nextLong();
            T value = null;
            try {
                value = gen.next(new SplittableRandom(seed));
                check.accept(value);
            } catch (Throwable e) {
                if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
                    throw (VirtualMachineError) e;
                }
                throw new AssertionError(property + " failed at try " + i + " of " + tries + " (try seed " + seed
                        + "; replay the run with -Dfuzz.seed=" + base + "): " + e + "\n  input: " + value, e);
            }
        }
    }
}
