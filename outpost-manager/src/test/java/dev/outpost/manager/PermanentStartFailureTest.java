package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.HandshakeConfig;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Start failures that cannot heal go to FAILED at once; by hand or with a new file the plugin starts again. */
@ExtendWith(LeakCheck.class)
class PermanentStartFailureTest extends ManagerTestSupport {

    @TempDir
    Path classData;

    /** A manager that would restart a crashing plugin 20 times, quickly. */
    private PluginManager.Builder builder(HandshakeConfig handshake) {
        return PluginManager.builder().directory(dir).classDataSharing(classData).handshake(handshake)
                .plugin("sensor", Sensor.class).hostVersion("1.5.0")
                .restartPolicy(RestartPolicy.builder().initialDelay(Duration.ofMillis(10))
                        .maxDelay(Duration.ofMillis(50)).jitter(0).maxRestarts(20).window(Duration.ofMinutes(1)).build());
    }

    @Test
    void aWrongCookieFailsAtOnceWithoutRestarts() throws Exception {
        PluginDirs.script(dir, "sensor");
        started(builder(HandshakeConfig.of(1, "OUTPOST_TEST_SENSOR", "not-the-sensor")));

        PluginEvent failed = events.await("sensor", PluginState.FAILED, 1);
        assertThat(events.moves("sensor")).containsExactly("LOADING -> STARTING", "STARTING -> FAILED");
        assertThat(failed.reason()).contains("exited with status 1 before its handshake: magic cookie mismatch? "
                + "the host set OUTPOST_TEST_SENSOR=not-the-sensor");
        assertThat(info("sensor").restarts()).isZero();
        assertThat(info("sensor").lastError()).as("the full error, of which the event carries the first line")
                .hasValueSatisfying(error -> assertThat(error).startsWith(failed.reason()));

        manager.restart("sensor");
        events.await("sensor", PluginState.FAILED, 2);
        assertThat(events.moves("sensor")).as("a restart by hand tries again").containsExactly(
                "LOADING -> STARTING", "STARTING -> FAILED",
                "FAILED -> STOPPED", "STOPPED -> STARTING", "STARTING -> FAILED");
    }

    @Test
    void aThinJarWithoutItsClassesFailsAtOnceAndStartsWhenTheJarIsReplaced() throws Exception {
        thinJar(dir.resolve("sensor.jar"));
        started(builder(SensorPlugin.HANDSHAKE).watch(true).settleTime(Duration.ofMillis(200)));

        PluginEvent failed = events.await("sensor", PluginState.FAILED, 1);
        assertThat(events.moves("sensor")).containsExactly("LOADING -> STARTING", "STARTING -> FAILED");
        assertThat(failed.reason()).contains("exited with status 1 before its handshake: its main class is not on "
                + "its class path");
        assertThat(info("sensor").lastError()).as("the JVM's own words come with the full error")
                .hasValueSatisfying(error -> assertThat(error).startsWith(failed.reason())
                        .contains("Could not find or load main class " + SensorPlugin.class.getName()));
        assertThat(info("sensor").restarts()).isZero();

        // Renamed into place, so that the watcher never sees half a jar.
        Files.move(PluginDirs.jar(Files.createDirectory(dir.resolve(".staging")), "sensor.jar"),
                dir.resolve("sensor.jar"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        events.await("sensor", PluginState.RUNNING, 1);
        assertThat(manager.dispense("sensor", "sensor", Sensor.class).read()).isEqualTo("reading from 1.0.0");
    }

    @Test
    void aFileChangedAfterItsChecksumWasReadFailsItsRestartAtOnce() throws Exception {
        Path folder = PluginDirs.folder(dir, "signed", "{}");
        Path run = PluginDirs.script(folder, "run", "exec " + PluginDirs.quote(TestJvm.of(SensorPlugin.class)));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(run)));
        Files.writeString(folder.resolve("plugin.json"), "{\"id\": \"signed\", \"command\": [\"./run\"], \"sha256\": \""
                + sha + "\"}");
        started(builder(SensorPlugin.HANDSHAKE));
        PluginDirs.script(folder, "run", "exec " + PluginDirs.quote(TestJvm.of(SensorPlugin.class, "--version", "6")));
        ProcessHandle.of(info("signed").pid().orElseThrow()).orElseThrow().destroyForcibly();

        PluginEvent failed = events.await("signed", PluginState.FAILED, 1);
        assertThat(events.moves("signed")).containsExactly("LOADING -> STARTING", "STARTING -> RUNNING",
                "RUNNING -> CRASHED", "CRASHED -> RESTARTING", "RESTARTING -> STARTING", "STARTING -> FAILED");
        assertThat(failed.reason()).startsWith("checksum mismatch for " + run + ": expected sha256 " + sha);
        assertThat(info("signed").restarts()).isEqualTo(1);
    }

    /** A jar whose manifest names the sensor's main class, without any classes or class path. */
    private static void thinJar(Path file) throws Exception {
        java.util.jar.Manifest manifest = new java.util.jar.Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, SensorPlugin.class.getName());
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.flush();
        }
    }
}
