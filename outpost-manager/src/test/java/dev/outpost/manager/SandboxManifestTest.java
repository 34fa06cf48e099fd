package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.Isolation;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.TestJvm;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code "sandbox"} in {@code plugin.json}, and {@link PluginManager.Builder#sandboxAll}. */
@ExtendWith(LeakCheck.class)
class SandboxManifestTest extends ManagerTestSupport {

    @TempDir
    Path elsewhere;

    @TempDir
    Path classData;

    /** The test class path as a JSON list, for "readable": the sandboxed JVM must read it. */
    private static String classPathJson() {
        return Arrays.stream(TestJvm.classpath().split(File.pathSeparator))
                .map(entry -> "\"" + entry.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(", ", "[", "]"));
    }

    /** With class data sharing, as by default: the sandboxed JVM reads its cache, and cannot write it. */
    private PluginManager.Builder builder() {
        return PluginManager.builder().directory(dir).handshake(SensorPlugin.HANDSHAKE).plugin("sensor", Sensor.class)
                .classDataSharing(classData);
    }

    @Test
    void aJarPluginRunsInItsSandboxAndBadSandboxSettingsFailOnlyTheirPlugin() throws Exception {
        Isolation.requireBubblewrap();
        Path good = PluginDirs.folder(dir, "good", "{\"id\": \"good\", \"jar\": \"sensor.jar\", \"sandbox\": "
                + "{\"writable\": [\"data/\"], \"readable\": " + classPathJson() + "}}");
        PluginDirs.jar(good, "sensor.jar");
        Files.createDirectory(good.resolve("data"));
        Map<String, String> bad = Map.of(
                "unknown-key", "{\"netwrk\": true}",
                "not-a-boolean", "\"yes\"",
                "dot-dot", "{\"writable\": [\"../escape\"]}",
                "symlink", "{\"writable\": [\"data\"]}",
                "missing", "{\"writable\": [\"nowhere/\"]}",
                "missing-readable", "{\"readable\": [\"/no/such/path\"]}");
        PluginDirs.folders(dir, "sandbox", bad);
        Files.createDirectory(dir.resolve("escape"));
        Files.createSymbolicLink(dir.resolve("symlink").resolve("data"), elsewhere);
        started(builder());

        events.await("good", PluginState.RUNNING, 1);
        Sensor running = manager.dispense("good", "sensor", Sensor.class);
        assertThat(running.read()).isEqualTo("reading from 1.0.0");
        assertThat(running.pid()).as("its pid in its own PID namespace, not the host's")
                .isNotEqualTo(info("good").pid().getAsLong());
        assertThat(failedAtOnce("unknown-key")).contains("field \"sandbox.netwrk\"").contains("Unrecognized property");
        assertThat(failedAtOnce("not-a-boolean")).contains("field \"sandbox\"");
        assertThat(failedAtOnce("dot-dot")).isEqualTo("plugin.json: \"sandbox.writable\": \"../escape\" is outside the "
                + "plugin's folder " + dir.resolve("dot-dot"));
        assertThat(failedAtOnce("symlink")).startsWith("plugin.json: \"sandbox.writable\": \"data\" leads outside the "
                + "plugin's folder " + dir.resolve("symlink") + " through a symbolic link");
        assertThat(failedAtOnce("missing")).startsWith("plugin.json: \"sandbox.writable\": \"nowhere/\" does not exist");
        assertThat(failedAtOnce("missing-readable")).startsWith("plugin.json: \"sandbox.readable\": \"/no/such/path\" "
                + "does not exist");
        assertThat(info("good").state()).isEqualTo(PluginState.RUNNING);
    }

    @Test
    void sandboxAllConfinesPluginsWhoseManifestAsksForNothing() throws Exception {
        Isolation.requireBubblewrap();
        PluginDirs.folder(dir, "plain", "{\"id\": \"plain\", \"command\": " + PluginDirs.commandJson() + "}");
        started(builder().sandboxAll(true));
        // The test class path is not readable in the default sandbox: the JVM cannot find its main class.
        PluginEvent failed = events.await("plain", PluginState.FAILED, 1);
        assertThat(failed.reason()).contains("its main class is not on its class path");
    }
}
