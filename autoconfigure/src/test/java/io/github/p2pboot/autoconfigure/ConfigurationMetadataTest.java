package io.github.p2pboot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The IDE metadata the build generates: every group described, every property known, the health toggle. */
class ConfigurationMetadataTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metadata() throws Exception {
        try (InputStream in = ConfigurationMetadataTest.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            return tools.jackson.databind.json.JsonMapper.builder().build().readValue(new String(in.readAllBytes(), StandardCharsets.UTF_8), Map.class);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void describesEveryGroupAndProperty() throws Exception {
        Map<String, Object> metadata = metadata();
        List<Map<String, Object>> groups = (List<Map<String, Object>>) metadata.get("groups");
        assertThat(groups).filteredOn(g -> ((String) g.get("name")).startsWith("libp2p."))
                .allSatisfy(group -> assertThat((String) group.get("description")).as("%s", group.get("name")).isNotBlank());
        List<Map<String, Object>> properties = (List<Map<String, Object>>) metadata.get("properties");
        List<String> names = properties.stream().map(p -> (String) p.get("name")).toList();
        assertThat(names).containsAll(KnownProperties.all()).contains("management.health.libp2p.enabled");
        assertThat(properties).filteredOn(p -> ((String) p.get("name")).startsWith("libp2p."))
                .allSatisfy(p -> assertThat((String) p.get("description")).as("%s", p.get("name")).isNotBlank());
        assertThat(properties).filteredOn(p -> "libp2p.health.insufficient-status".equals(p.get("name")))
                .singleElement().satisfies(p -> assertThat((String) p.get("type")).endsWith("InsufficientStatus"));
    }
}
