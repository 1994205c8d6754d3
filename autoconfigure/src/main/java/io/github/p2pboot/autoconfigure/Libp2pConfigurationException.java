package io.github.p2pboot.autoconfigure;

/**
 * A {@code libp2p.*} setting that cannot work. Start-up stops with a report naming the property,
 * the bad value and the fix (see {@link Libp2pFailureAnalyzer}).
 */
public class Libp2pConfigurationException extends RuntimeException {

    private final String property;
    private final String value;
    private final String action;

    public Libp2pConfigurationException(String property, Object value, String problem, String action, Throwable cause) {
        super(property + "=" + value + ": " + problem, cause);
        this.property = property;
        this.value = String.valueOf(value);
        this.action = action;
    }

    public Libp2pConfigurationException(String property, Object value, String problem, String action) {
        this(property, value, problem, action, null);
    }

    public String getProperty() {
        return property;
    }

    public String getValue() {
        return value;
    }

    public String getAction() {
        return action;
    }
}
