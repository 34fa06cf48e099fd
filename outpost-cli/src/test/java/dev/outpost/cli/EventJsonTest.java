package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.manager.PluginEvent;
import dev.outpost.manager.PluginInfo;
import dev.outpost.manager.PluginState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The lines of {@code outpost run --json}. */
class EventJsonTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static PluginInfo info(OptionalLong pid, OptionalInt exitCode, List<String> stderr) {
        return new PluginInfo("noisy", Path.of("/plugins/noisy"), Optional.empty(), PluginState.CRASHED, pid,
                Optional.empty(), 2, Optional.of("plugin 'noisy' exited\nlast lines of the plugin's stderr:\n  | a"),
                exitCode, stderr, Optional.empty());
    }

    @Test
    void aCrashIsOneObjectOnOneLineWithTheStderrTail() {
        Instant at = Instant.parse("2025-03-04T05:06:07.123456Z");
        PluginEvent event = new PluginEvent("noisy", PluginState.STARTING, PluginState.CRASHED,
                "plugin 'noisy' exited\nlast lines of the plugin's stderr:\n  | a", at,
                info(OptionalLong.empty(), OptionalInt.of(3), List.of("line \"one\"", "line\ttwo", "")));

        String line = EventJson.of(event);

        assertThat(line).doesNotContain("\n");
        JsonNode json = JSON.readTree(line);
        assertThat(json.propertyNames()).containsExactly("id", "from", "to", "reason", "at", "pid", "restarts",
                "lastExitCode", "stderrTail");
        assertThat(json.get("id").asString()).isEqualTo("noisy");
        assertThat(json.get("from").asString()).isEqualTo("STARTING");
        assertThat(json.get("to").asString()).isEqualTo("CRASHED");
        assertThat(json.get("reason").asString()).isEqualTo("plugin 'noisy' exited");
        assertThat(Instant.parse(json.get("at").asString())).isEqualTo(at);
        assertThat(json.get("pid").isNull()).isTrue();
        assertThat(json.get("restarts").asInt()).isEqualTo(2);
        assertThat(json.get("lastExitCode").asInt()).isEqualTo(3);
        assertThat(json.get("stderrTail").valueStream().map(JsonNode::asString))
                .containsExactly("line \"one\"", "line\ttwo", "");
    }

    @Test
    void aRunningPluginHasItsPidAndNoExitYet() {
        PluginEvent event = new PluginEvent("noisy", PluginState.STARTING, PluginState.RUNNING, "pid 42",
                Instant.EPOCH, info(OptionalLong.of(42), OptionalInt.empty(), List.of()));

        JsonNode json = JSON.readTree(EventJson.of(event));

        assertThat(json.get("pid").asLong()).isEqualTo(42);
        assertThat(json.get("lastExitCode").isNull()).isTrue();
        assertThat(json.get("stderrTail").isArray()).isTrue();
        assertThat(json.get("stderrTail").isEmpty()).isTrue();
    }
}
