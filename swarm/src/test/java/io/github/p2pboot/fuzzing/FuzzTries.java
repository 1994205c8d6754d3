package io.github.p2pboot.fuzzing;

/**
 * The tries of a fuzz property, from the system property {@code fuzz.tries} (the pom's
 * {@code fuzz.tries}: short in the normal suite, a million with {@code -Pfuzz}). A property whose
 * single try costs far more than the others (a whole Noise handshake) runs a share of that count,
 * so the suite stays short; the long run reports what it really ran.
 * {@code -Dfuzz.tries.<property method>=N} sets one property's tries exactly.
 */
public final class FuzzTries {

    /** The tries when nothing is configured, e.g. a run from the IDE. */
    static final int DEFAULT_TRIES = 1000;

    private FuzzTries() {
    }

    /** The tries of the property {@code method} that runs {@code share} of the configured tries (at least 50). */
    static int of(String method, double share) {
        Integer exact = Integer.getInteger("fuzz.tries." + method);
        if (exact != null) {
            return exact;
        }
        int configured = Integer.getInteger("fuzz.tries", DEFAULT_TRIES);
        return Math.max(50, (int) Math.round(configured * share));
    }
}
