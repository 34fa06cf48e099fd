package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.outpost.fixtures.Isolation;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.TestJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code "limits"} in {@code plugin.json}: a plugin killed by its limit crashes with that reason and restarts. */
@ExtendWith(LeakCheck.class)
class LimitsManifestTest extends ManagerTestSupport {

    /** The sensor's command with a heap above its memory limit, as JSON: the kernel must be the one to stop it. */
    private static String bigHeapCommand() {
        List<String> command = new ArrayList<>(TestJvm.of(SensorPlugin.class));
        command.addAll(1, List.of("-Xms8m", "-Xmx512m", "-XX:-UseContainerSupport"));
        return command.stream().map(part -> "\"" + part.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(", ", "[", "]"));
    }

    @Test
    void aPluginOverItsMemoryLimitCrashesWithThatReasonAndIsRestartedWhileTheOthersRunOn() throws Exception {
        Isolation.requireCgroups();
        PluginDirs.folder(dir, "hog", "{\"id\": \"hog\", \"command\": " + bigHeapCommand()
                + ", \"limits\": {\"memoryMB\": 160}}");
        PluginDirs.folder(dir, "calm", "{\"id\": \"calm\", \"command\": " + PluginDirs.commandJson() + "}");
        started(PluginManager.builder().directory(dir).handshake(SensorPlugin.HANDSHAKE).plugin("sensor", Sensor.class)
                .restartPolicy(RestartPolicy.builder().initialDelay(Duration.ofMillis(10)).jitter(0).build()));
        events.await("hog", PluginState.RUNNING, 1);
        events.await("calm", PluginState.RUNNING, 1);
        assertThat(info("hog").usage()).hasValueSatisfying(usage ->
                assertThat(usage.memoryBytes()).isPositive().isLessThanOrEqualTo(160L * 1024 * 1024));
        assertThat(info("calm").usage()).as("no limits, no cgroup to count").isEmpty();

        Sensor hog = manager.dispense("hog", "sensor", Sensor.class);
        Throwable killed = catchThrowable(() -> hog.sample(200_000_000));
        assertThat(killed).as("the call it died in").isNotNull();
        PluginEvent crash = events.await("hog", PluginState.CRASHED, 1);
        assertThat(crash.reason()).isEqualTo("process killed: memory limit 160 MB (signal 9, SIGKILL)");
        events.await("hog", PluginState.RUNNING, 2);
        assertThat(events.moves("hog")).containsSubsequence("RUNNING -> CRASHED", "CRASHED -> RESTARTING",
                "RESTARTING -> STARTING", "STARTING -> RUNNING");
        assertThat(hog.read()).isEqualTo("reading from 1.0.0");
        assertThat(manager.dispense("calm", "sensor", Sensor.class).read()).isEqualTo("reading from 1.0.0");
        assertThat(events.moves("calm")).containsExactly("LOADING -> STARTING", "STARTING -> RUNNING");
    }

    @Test
    void badLimitsFailOnlyTheirPluginNamingTheKey() throws Exception {
        Map<String, String> bad = Map.of(
                "unknown", "{\"memoryMb\": 64}",
                "negative", "{\"memoryMB\": -64}",
                "absurd", "{\"processes\": 2000000000}",
                "not-a-number", "{\"cpuPercent\": \"half\"}");
        PluginDirs.folders(dir, "limits", bad);
        PluginDirs.folders(dir, "limits", Map.of("fine", "{\"openFiles\": 512}"));
        started(PluginManager.builder().directory(dir).handshake(SensorPlugin.HANDSHAKE).plugin("sensor", Sensor.class));

        events.await("fine", PluginState.RUNNING, 1);
        assertThat(failedAtOnce("unknown")).contains("field \"limits.memoryMb\"").contains("Unrecognized property");
        assertThat(failedAtOnce("negative")).isEqualTo("plugin.json: limits: \"memoryMB\" must be from 4 to 16777216, got -64");
        assertThat(failedAtOnce("absurd")).isEqualTo("plugin.json: limits: \"processes\" must be from 1 to 4194304, got "
                + "2000000000");
        assertThat(failedAtOnce("not-a-number")).contains("field \"limits.cpuPercent\"");
        long pid = info("fine").pid().getAsLong();
        assertThat(java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(pid), "limits")))
                .containsPattern("Max open files +512 +512 ");
    }
}
