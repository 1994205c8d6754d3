package io.github.p2pboot.fuzzing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Sets the tries of every fuzz property from the system property {@code fuzz.tries} (the pom's
 * {@code fuzz.tries}: short in the normal suite, a million with {@code -Pfuzz}). A property whose
 * single try costs far more than the others (a whole Noise handshake) declares a {@link Share} of
 * that count, so the suite stays short; the long run reports what it really ran.
 * {@code -Dfuzz.tries.<property method>=N} sets one property's tries exactly.
 */
public final class FuzzTries implements AroundPropertyHook {

    /** The tries when nothing is configured, e.g. a run from the IDE. */
    static final int DEFAULT_TRIES = 1000;

    /** This property runs {@code value} of the configured tries (at least 50). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    public @interface Share {
        double value();
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        Integer exact = Integer.getInteger("fuzz.tries." + context.targetMethod().getName());
        if (exact != null) {
            context.attributes().setTries(exact);
        } else {
            int configured = Integer.getInteger("fuzz.tries", DEFAULT_TRIES);
            double share = context.findAnnotation(Share.class).map(Share::value).orElse(1.0);
            context.attributes().setTries(Math.max(50, (int) Math.round(configured * share)));
        }
        return property.execute();
    }
}
