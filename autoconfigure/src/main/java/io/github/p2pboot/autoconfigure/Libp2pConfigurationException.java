package io.github.p2pboot.autoconfigure;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.util.unit.DataSize;

/**
 * A {@code libp2p.*} setting that cannot work. Start-up stops with a report naming the property,
 * the bad value and the fix (see {@link Libp2pFailureAnalyzer}).
 */
public class Libp2pConfigurationException extends RuntimeException {

    private final @Nullable String property;
    private final @Nullable String value;
    private final String action;

    public Libp2pConfigurationException(String property, @Nullable Object value, String problem, String action, @Nullable Throwable cause) {
        super(property + "=" + written(value) + ": " + problem, cause);
        this.property = property;
        this.value = written(value);
        this.action = action;
    }

    public Libp2pConfigurationException(String property, @Nullable Object value, String problem, String action) {
        this(property, value, problem, action, null);
    }

    /** A problem of the node's set-up that no single property causes, such as a missing native library. */
    public Libp2pConfigurationException(String problem, String action) {
        super(problem);
        this.property = null;
        this.value = null;
        this.action = action;
    }

    /** The property's name, e.g. {@code libp2p.listen[1]}, or null for a problem of the set-up. */
    public @Nullable String getProperty() {
        return property;
    }

    /** The value in the form it is written in {@code application.yml}: {@code 500ms}, not {@code PT0.5S}. */
    public @Nullable String getValue() {
        return value;
    }

    public String getAction() {
        return action;
    }

    /**
     * A bound value as a user writes it: durations as {@code 1500ms} or {@code -1s} and sizes as
     * {@code 8MB} rather than their ISO and byte forms.
     */
    static String written(@Nullable Object value) {
        if (value instanceof Duration duration) {
            long millis = duration.toMillis();
            if (millis % 1000 != 0 || millis == 0) {
                return duration.toNanos() % 1_000_000 == 0 ? millis + "ms" : duration.toNanos() + "ns";
            }
            long seconds = millis / 1000;
            if (seconds % 3600 == 0) {
                return seconds / 3600 + "h";
            }
            return seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
        }
        if (value instanceof DataSize size) {
            long bytes = size.toBytes();
            if (bytes != 0 && bytes % (1024 * 1024) == 0) {
                return bytes / (1024 * 1024) + "MB";
            }
            return bytes != 0 && bytes % 1024 == 0 ? bytes / 1024 + "KB" : bytes + "B";
        }
        return String.valueOf(value);
    }
}
