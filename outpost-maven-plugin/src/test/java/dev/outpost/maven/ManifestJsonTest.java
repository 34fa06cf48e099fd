package dev.outpost.maven;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.manager.Manifest;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

class ManifestJsonTest {

    /** As the manager reads plugin.json: a field it does not know fails. */
    private static final JsonMapper MANAGER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    @Test
    void everyFieldReachesTheManagersManifest() {
        ManifestJson json = new ManifestJson("amazing", "Amazing \"Plugin\"", "0.1.0", "Someone\\Amazing",
                "Two lights\n      and a\tthermostat", "dev.example.Main", List.of("lib/a.jar", "lib/b-1.0.jar"),
                List.of("--version", "0.1.0"), List.of("-Xmx64m"), "IGLU_PLUGIN=MzlK0OGpIRs", List.of(1, 2),
                ">=0.1.0 <1.0.0");

        Manifest manifest = MANAGER.readValue(json.toJson(), Manifest.class);

        assertThat(manifest.id()).isEqualTo("amazing");
        assertThat(manifest.name()).isEqualTo("Amazing \"Plugin\"");
        assertThat(manifest.version()).isEqualTo("0.1.0");
        assertThat(manifest.author()).isEqualTo("Someone\\Amazing");
        assertThat(manifest.description()).isEqualTo("Two lights and a thermostat");
        assertThat(manifest.mainClass()).isEqualTo("dev.example.Main");
        assertThat(manifest.classPath()).containsExactly("lib/a.jar", "lib/b-1.0.jar");
        assertThat(manifest.args()).containsExactly("--version", "0.1.0");
        assertThat(manifest.jvmOptions()).containsExactly("-Xmx64m");
        assertThat(manifest.magicCookie()).isEqualTo("IGLU_PLUGIN=MzlK0OGpIRs");
        assertThat(manifest.protocolVersions()).containsExactly(1, 2);
        assertThat(manifest.requires()).isEqualTo(">=0.1.0 <1.0.0");
        assertThat(manifest.jar()).isNull();
        assertThat(manifest.command()).isEmpty();
    }

    @Test
    void blankFieldsAreLeftOutForThePluginToFillIn() {
        String text = new ManifestJson("kv", null, " ", null, null, "dev.example.Kv", List.of("lib/kv.jar"),
                null, null, null, null, null).toJson();

        assertThat(text).isEqualTo("""
                {
                  "id": "kv",
                  "mainClass": "dev.example.Kv",
                  "classPath": ["lib/kv.jar"]
                }
                """);
    }

    @Test
    void controlCharactersAreEscaped() {
        StringBuilder json = new StringBuilder();
        ManifestJson.quote(json, "a\u0001b\rc");
        assertThat(json).hasToString("\"a\\u0001b\\rc\"");
        assertThat(MANAGER.readValue(json.toString(), String.class)).isEqualTo("a\u0001b\rc");
    }

    @Test
    void idsAndMainClassesTheManagerWouldRefuseAreCaughtAtBuildTime() {
        assertThat(identity("amazing", "dev.example.Main").problem()).isNull();
        assertThat(identity("-amazing", "dev.example.Main").problem())
                .startsWith("id \"-amazing\" must be 1 to 64 letters, digits").endsWith("(set <id> in the plugin's configuration)");
        assertThat(identity("a".repeat(65), "dev.example.Main").problem()).startsWith("id \"aaaa");
        assertThat(identity("amazing", null).problem())
                .isEqualTo("mainClass \"null\" is not a class name (set <mainClass> in the plugin's configuration)");
        assertThat(identity("amazing", "dev/example/Main").problem()).startsWith("mainClass \"dev/example/Main\"");
        assertThat(new ManifestJson("amazing", null, null, null, null, "dev.example.Main", null, null, null, "IGLU_PLUGIN",
                null, null).problem()).isEqualTo("magicCookie \"IGLU_PLUGIN\" must be KEY=VALUE (the plugin's handshake cookie)");
    }

    private static ManifestJson identity(String id, String mainClass) {
        return new ManifestJson(id, null, null, null, null, mainClass, List.of(), null, null, null, null, null);
    }
}
