package io.github.p2pboot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.p2pboot.kademlia.pb.DhtProto;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.GeneratedFiles;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;
import org.springframework.javapoet.ClassName;

/**
 * Ahead-of-time processing of an application with the starter, as {@code spring-boot:process-aot}
 * runs it for a native image: the node's beans get generated registrations, and the hints of
 * {@link Libp2pRuntimeHints} are applied.
 */
class AotProcessingTest {

    @Test
    void processesTheNodesBeansAheadOfTimeWithTheirHints() {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("test", java.util.Map.of(
                "libp2p.identity.ephemeral", "true", "libp2p.listen", "/ip4/127.0.0.1/udp/0/quic-v1")));
        context.register(Node.class);
        InMemoryGeneratedFiles files = new InMemoryGeneratedFiles();
        DefaultGenerationContext generation = new DefaultGenerationContext(new ClassNameGenerator(ClassName.get(Node.class)), files);

        new ApplicationContextAotGenerator().processAheadOfTime(context, generation);
        generation.writeGeneratedContent();

        List<String> sources = files.getGeneratedFiles(GeneratedFiles.Kind.SOURCE).values().stream()
                .map(file -> {
                    try {
                        try (java.io.InputStream in = file.getInputStream()) {
                            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).toList();
        assertThat(String.join("\n", sources)).contains("libp2pSwarm").contains("libp2pKademlia").contains("libp2pSwarmLifecycle");
        RuntimeHints hints = generation.getRuntimeHints();
        assertThat(RuntimeHintsPredicates.resource().forResource("io/github/p2pboot/autoconfigure/build.properties")).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(DhtProto.Message.class)).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(DhtProto.Message.Builder.class)).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(Libp2pFailureAnalyzer.class)).accepts(hints);
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(Libp2pAutoConfiguration.class)
    static class Node {
    }
}
