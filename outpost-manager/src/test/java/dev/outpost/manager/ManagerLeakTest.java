package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.PluginUnavailableException;
import dev.outpost.fixtures.Footprint;
import dev.outpost.fixtures.LeakCheck;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A manager that restarts a crashing plugin for a long time keeps nothing of the plugins that crashed. */
@ExtendWith(LeakCheck.class)
class ManagerLeakTest {

    private static final int RESTARTS = 200;

    @TempDir
    Path dir;

    @TempDir
    Path classData;

    @Test
    void twoHundredRestartsOfACrashingPluginLeaveNothingBehind() throws Exception {
        PluginDirs.script(dir, "sensor");
        try (PluginManager manager = PluginManager.builder().directory(dir).classDataSharing(classData)
                .handshake(SensorPlugin.HANDSHAKE).plugin("sensor", Sensor.class)
                .manifestReader(client -> Optional.of(Manifest.of("sensor", "Sensor", "1.0.0", "tests")))
                .restartPolicy(RestartPolicy.builder().initialDelay(Duration.ZERO).maxDelay(Duration.ZERO)
                        .maxRestarts(10 * RESTARTS).window(Duration.ofHours(1)).build())
                // A bound for a hang, not a timing: on a loaded machine a JVM's start can take over 10 s.
                .unavailableWait(Duration.ofSeconds(60))
                .build()) {
            manager.start();
            Sensor sensor = manager.dispense("sensor", "sensor", Sensor.class);
            for (int i = 0; i < 5; i++) {
                crashAndAwaitRestart(sensor); // warm-up: classes, threads of the pools
            }
            Footprint baseline = Footprint.now();
            for (int i = 0; i < RESTARTS; i++) {
                crashAndAwaitRestart(sensor);
            }
            assertThat(manager.plugin("sensor").orElseThrow().restarts()).isEqualTo(5 + RESTARTS);
            // The same: one plugin running, and its guard.
            Footprint.assertBackTo(baseline);
        }
    }

    private static void crashAndAwaitRestart(Sensor sensor) {
        long pid = sensor.pid();
        assertThatThrownBy(() -> sensor.crash(5)).isInstanceOf(PluginUnavailableException.class);
        assertThat(sensor.pid()).as("a new process, the stable handle waiting for it").isNotEqualTo(pid);
    }
}
