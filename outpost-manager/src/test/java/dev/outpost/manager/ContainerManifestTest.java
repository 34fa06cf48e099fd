package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.outpost.fixtures.LeakCheck;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code "container"} in {@code plugin.json}: read, checked, and refused when no engine can run it. */
@ExtendWith(LeakCheck.class)
class ContainerManifestTest extends ManagerTestSupport {

    private static final String IMAGE = "registry.example.com/sensor@sha256:" + "0a".repeat(32);

    private PluginManager.Builder builder() {
        return PluginManager.builder().directory(dir).handshake(SensorPlugin.HANDSHAKE).plugin("sensor", Sensor.class);
    }

    private static boolean onPath(String program) {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(entry.isEmpty() ? "." : entry, program))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void badContainerSettingsFailOnlyTheirPluginNamingTheKey() throws Exception {
        PluginDirs.script(dir, "plain");
        Map<String, String> bad = Map.of(
                "unpinned", "{\"image\": \"registry.example.com/sensor:latest\"}",
                "no-image", "{\"memoryMB\": 64}",
                "unknown-key", "{\"image\": \"" + IMAGE + "\", \"memory\": 64}",
                "tiny", "{\"image\": \"" + IMAGE + "\", \"memoryMB\": 1}",
                "no-cpu", "{\"image\": \"" + IMAGE + "\", \"cpus\": 0}");
        PluginDirs.folders(dir, "container", bad);
        PluginDirs.folder(dir, "both", "{\"id\": \"both\", \"command\": [\"/sensor\"], \"sandbox\": true, "
                + "\"container\": {\"image\": \"" + IMAGE + "\"}}");
        PluginDirs.folder(dir, "limited", "{\"id\": \"limited\", \"command\": [\"/sensor\"], "
                + "\"limits\": {\"memoryMB\": 64}, \"container\": {\"image\": \"" + IMAGE + "\"}}");
        started(builder());

        events.await("plain", PluginState.RUNNING, 1);
        assertThat(failedAtOnce("unpinned")).startsWith("plugin.json: \"container.image\": container image "
                + "\"registry.example.com/sensor:latest\" is not pinned by digest");
        assertThat(failedAtOnce("no-image")).isEqualTo("plugin.json: \"container.image\" is required");
        assertThat(failedAtOnce("unknown-key")).contains("field \"container.memory\"").contains("Unrecognized property");
        assertThat(failedAtOnce("tiny")).startsWith("plugin.json: \"container.memoryMB\": container memoryMB must be");
        assertThat(failedAtOnce("no-cpu")).startsWith("plugin.json: \"container.cpus\": container cpus must be");
        assertThat(failedAtOnce("both")).isEqualTo("plugin.json: \"sandbox\" and \"container\": a plugin runs in one "
                + "of them, not both");
        assertThat(failedAtOnce("limited")).startsWith("plugin.json: \"limits\" do not reach into a container");
        assertThat(info("plain").state()).isEqualTo(PluginState.RUNNING);
    }

    @Test
    void withoutAContainerEngineTheStartFailsSayingSo() throws Exception {
        assumeTrue(!onPath("podman") && !onPath("docker"), "a container engine is installed: this checks its absence");
        PluginDirs.folder(dir, "contained", "{\"id\": \"contained\", \"command\": [\"/sensor\"], "
                + "\"container\": {\"image\": \"" + IMAGE + "\", \"memoryMB\": 64}}");
        started(builder());
        PluginEvent failed = events.await("contained", PluginState.FAILED, 1);
        assertThat(failed.reason()).contains("plugin 'contained': the container runner needs podman or docker; "
                + "neither is on PATH");
    }
}
