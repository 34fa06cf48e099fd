package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.PluginUnavailableException;
import dev.outpost.fixtures.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watched directory that takes a plugin away and brings it back (its file removed, made
 * non-executable, or changed while the plugin is not running) makes a new plugin of the same id: the
 * handles dispensed for the id before go on to it.
 */
@ExtendWith(LeakCheck.class)
class HandleFollowsEntryTest extends ManagerTestSupport {

    @TempDir
    Path classData;

    private Sensor started() throws Exception {
        PluginDirs.script(dir, "sensor", "--version", "1.0.0");
        started(PluginManager.builder().directory(dir).classDataSharing(classData)
                .handshake(SensorPlugin.HANDSHAKE).plugin("sensor", Sensor.class)
                .watch(true).settleTime(Duration.ofMillis(100)));
        Sensor sensor = manager.dispense("sensor", "sensor", Sensor.class);
        assertThat(sensor.read()).isEqualTo("reading from 1.0.0");
        return sensor;
    }

    @Test
    void aHandleAnswersAgainWhenItsRemovedFileIsPutBack() throws Exception {
        Sensor sensor = started();
        Files.delete(dir.resolve("sensor"));
        await().atMost(Duration.ofSeconds(30)).until(() -> manager.plugin("sensor").isEmpty());
        assertThatThrownBy(sensor::read).isInstanceOf(PluginUnavailableException.class);

        PluginDirs.script(dir, "sensor", "--version", "2.0.0");
        events.await("sensor", PluginState.RUNNING, 2);
        assertThat(sensor.read()).isEqualTo("reading from 2.0.0");
    }

    @Test
    void aHandleAnswersAgainWhenItsFileGetsItsExecuteBitBack() throws Exception {
        Sensor sensor = started();
        Path file = dir.resolve("sensor");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        await().atMost(Duration.ofSeconds(30)).until(() -> manager.plugin("sensor").isEmpty());

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        events.await("sensor", PluginState.RUNNING, 2);
        assertThat(sensor.read()).isEqualTo("reading from 1.0.0");
    }

    @Test
    void aHandleFollowsAStoppedPluginLoadedAnewFromItsChangedFile() throws Exception {
        Sensor sensor = started();
        manager.stop("sensor");
        PluginDirs.script(dir, "sensor", "--version", "3.0.0");
        events.await("sensor", PluginState.RUNNING, 2);
        assertThat(sensor.read()).isEqualTo("reading from 3.0.0");
    }
}
