package io.github.p2pboot.autoconfigure;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * A {@code libp2p.*} property that no setting has (a typo such as {@code max-idel-timeout}):
 * start-up stops and names the closest known property, rather than run the default unnoticed.
 * Ahead of Spring Boot's own analyzer, which would only say that the element was left unbound.
 */
class Libp2pUnknownPropertyFailureAnalyzer extends AbstractFailureAnalyzer<UnboundConfigurationPropertiesException>
        implements Ordered {

    @Override
    protected @Nullable FailureAnalysis analyze(Throwable rootFailure, UnboundConfigurationPropertiesException cause) {
        Set<ConfigurationProperty> unbound = cause.getUnboundProperties();
        if (unbound.isEmpty() || !unbound.stream().allMatch(p -> p.getName().toString().startsWith(KnownProperties.PREFIX + "."))) {
            return null;
        }
        StringBuilder description = new StringBuilder("The libp2p node cannot start: ")
                .append(unbound.size() == 1 ? "a property is not a libp2p setting" : "properties are not libp2p settings").append(":\n");
        StringBuilder action = new StringBuilder();
        for (ConfigurationProperty property : unbound) {
            String name = property.getName().toString();
            description.append("\n    ").append(name).append('=').append(property.getValue());
            if (property.getOrigin() != null) {
                description.append("  (from ").append(property.getOrigin()).append(')');
            }
            String closest = KnownProperties.closest(name);
            action.append("Did you mean '").append(closest).append("' instead of '").append(name).append("'? ");
            List<String> siblings = KnownProperties.siblings(closest);
            action.append(parent(closest)).append(" has: ")
                    .append(siblings.stream().map(KnownProperties::lastSegment).collect(Collectors.joining(", "))).append(".\n");
        }
        action.append("Every libp2p property is listed in docs/configuration.md.");
        return new FailureAnalysis(description.toString(), action.toString(), cause);
    }

    private static String parent(String name) {
        return name.substring(0, name.lastIndexOf('.'));
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
