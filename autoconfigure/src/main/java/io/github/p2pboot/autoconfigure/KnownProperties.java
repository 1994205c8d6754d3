package io.github.p2pboot.autoconfigure;

import java.beans.Introspector;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The names of every {@code libp2p.*} property, read from {@link Libp2pProperties} itself so that
 * they cannot drift from it, and the closest of them to a misspelt one.
 */
final class KnownProperties {

    static final String PREFIX = "libp2p";

    private static final List<String> NAMES = names(Libp2pProperties.class, PREFIX);

    private KnownProperties() {
    }

    static List<String> all() {
        return NAMES;
    }

    /** The known property with the smallest edit distance to {@code name} (indexes such as {@code [0]} ignored). */
    static String closest(String name) {
        String plain = name.replaceAll("\\[[^]]*]", "");
        return NAMES.stream().min(Comparator.comparingInt((String known) -> distance(plain, known))
                .thenComparing(known -> known)).orElseThrow();
    }

    /** The properties of the same group as {@code name}, e.g. all of {@code libp2p.quic.*}. */
    static List<String> siblings(String name) {
        String parent = name.substring(0, name.lastIndexOf('.') + 1);
        return NAMES.stream().filter(known -> known.startsWith(parent) && known.indexOf('.', parent.length()) < 0).toList();
    }

    static String lastSegment(String name) {
        return name.substring(name.lastIndexOf('.') + 1);
    }

    private static List<String> names(Class<?> type, String prefix) {
        List<String> names = new ArrayList<>();
        for (Method getter : type.getMethods()) {
            String property = propertyName(getter);
            if (property == null) {
                continue;
            }
            String name = prefix + "." + property;
            Class<?> returned = getter.getReturnType();
            if (returned.getDeclaringClass() == Libp2pProperties.class && !returned.isEnum()) {
                names.addAll(names(returned, name));
            } else {
                names.add(name);
            }
        }
        names.sort(null);
        return List.copyOf(names);
    }

    /** {@code getMaxIdleTimeout} → {@code max-idle-timeout}; null for what is not a bean getter. */
    private static @Nullable String propertyName(Method method) {
        if (Modifier.isStatic(method.getModifiers()) || method.getParameterCount() != 0 || method.getDeclaringClass() == Object.class) {
            return null;
        }
        String name = method.getName();
        String bare = name.startsWith("get") && name.length() > 3 ? name.substring(3)
                : name.startsWith("is") && name.length() > 2 && method.getReturnType() == boolean.class ? name.substring(2) : null;
        if (bare == null) {
            return null;
        }
        return Introspector.decapitalize(bare).replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
