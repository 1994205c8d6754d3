package io.github.p2pboot.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.Environment;

/**
 * Turns a wrong {@code libp2p.*} setting into a start-up report naming the property, its value as
 * written in the configuration, and the fix.
 */
class Libp2pFailureAnalyzer extends AbstractFailureAnalyzer<Libp2pConfigurationException> {

    private final @Nullable Environment environment;

    Libp2pFailureAnalyzer(@Nullable Environment environment) {
        this.environment = environment;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, Libp2pConfigurationException cause) {
        if (cause.getProperty() == null) {
            return new FailureAnalysis("The libp2p node cannot start: " + cause.getMessage(), cause.getAction(), cause);
        }
        String description = "The libp2p node cannot start: property '" + cause.getProperty() + "' has the value '"
                + written(cause) + "'.\n\n" + cause.getMessage()
                + (cause.getCause() != null ? "\n\nCause: " + cause.getCause().getMessage() : "");
        return new FailureAnalysis(description, cause.getAction(), cause);
    }

    /** The text the user wrote where the environment still has it (a YAML entry, a command-line argument). */
    private String written(Libp2pConfigurationException cause) {
        String raw = environment == null ? null : environment.getProperty(cause.getProperty());
        return raw != null ? raw : cause.getValue();
    }
}
