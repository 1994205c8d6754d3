package io.github.p2pboot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a wrong {@code libp2p.*} setting into a start-up report naming the property and the fix. */
class Libp2pFailureAnalyzer extends AbstractFailureAnalyzer<Libp2pConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, Libp2pConfigurationException cause) {
        String description = "The libp2p node cannot start: property '" + cause.getProperty() + "' has the value '"
                + cause.getValue() + "'.\n\n" + cause.getMessage()
                + (cause.getCause() != null ? "\n\nCause: " + cause.getCause().getMessage() : "");
        return new FailureAnalysis(description, cause.getAction(), cause);
    }
}
