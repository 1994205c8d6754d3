package io.github.p2pboot.starter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's dependency snippet is the one the new-app IT (src/it/new-app) builds and starts:
 * a change to either that is not made to the other fails here.
 */
class ReadmeSnippetTest {

    @Test
    void readmeSnippetIsTheOneTheNewAppBuilds() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String snippet = readme.substring(readme.indexOf("```xml\n") + "```xml\n".length());
        snippet = snippet.substring(0, snippet.indexOf("```"));
        String pom = Files.readString(Path.of("src", "it", "new-app", "pom.xml"));
        String between = pom.substring(pom.indexOf("<!-- The README's snippet, from here ... -->"), pom.indexOf("<!-- ... to here. -->"));
        // The snippet closes its <dependencies>; the test app's goes on with its test dependencies.
        String open = snippet.substring(0, snippet.lastIndexOf("</dependencies>"));
        assertThat(normalize(between)).contains(normalize(open));
    }

    /** Whitespace aside. */
    private static String normalize(String xml) {
        return xml.replaceAll("\\s+", "");
    }
}
