package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.PluginTimeoutException;
import dev.outpost.PluginUnavailableException;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.manager.metrics.PluginMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Crash signals other than an exit (hung calls, failed health checks), and the metrics. */
@ExtendWith(LeakCheck.class)
class ManagerSignalsTest extends ManagerTestSupport {

    private PluginManager.Builder builder() throws Exception {
        PluginDirs.script(dir, "sensor");
        return PluginManager.builder().directory(dir).handshake(SensorPlugin.HANDSHAKE).plugin("sensor", Sensor.class)
                .restartPolicy(RestartPolicy.builder().initialDelay(Duration.ofMillis(20))
                        .maxDelay(Duration.ofMillis(50)).jitter(0).maxRestarts(10).window(Duration.ofMinutes(1)).build());
    }

    private static void signal(long pid, String signal) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor()).isZero();
    }

    /** The hung process is stopped in the background: asked, then SIGTERM, then SIGKILL. */
    private static void assertGone(long pid) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isIn(Optional.empty(), Optional.of(false)));
    }

    @Test
    void callsThatTimeOutInARowRestartAHungPlugin() throws Exception {
        started(builder().hungCallLimit(2).callTimeout(Duration.ofMillis(300)).healthChecks(Duration.ZERO, 1));
        Sensor sensor = manager.dispense("sensor", "sensor", Sensor.class);
        long pid = sensor.pid();
        signal(pid, "STOP"); // the process hangs: alive, silent
        assertThatThrownBy(sensor::read).isInstanceOf(PluginTimeoutException.class);
        assertThatThrownBy(sensor::read).isInstanceOf(PluginTimeoutException.class);
        PluginEvent crash = events.await("sensor", PluginState.CRASHED, 1);
        assertThat(crash.reason()).startsWith("2 calls in a row timed out");
        events.await("sensor", PluginState.RUNNING, 2);
        assertThat(sensor.read()).isEqualTo("reading from 1.0.0");
        assertThat(sensor.pid()).isNotEqualTo(pid);
        assertGone(pid);
    }

    @Test
    void failedHealthChecksInARowRestartAPlugin() throws Exception {
        started(builder().healthChecks(Duration.ofMillis(200), 2));
        long pid = manager.plugin("sensor").orElseThrow().pid().orElseThrow();
        signal(pid, "STOP");
        PluginEvent crash = events.await("sensor", PluginState.CRASHED, 1);
        assertThat(crash.reason()).startsWith("2 health checks in a row failed");
        events.await("sensor", PluginState.RUNNING, 2);
        assertGone(pid);
    }

    @Test
    void withTheDefaultsAStoppedPluginIsFoundWithinTenSeconds() throws Exception {
        started(builder());
        long pid = manager.plugin("sensor").orElseThrow().pid().orElseThrow();
        java.time.Instant stopped = java.time.Instant.now();
        signal(pid, "STOP");
        PluginEvent crash = events.await("sensor", PluginState.CRASHED, 1);
        assertThat(crash.reason()).startsWith("3 health checks in a row failed");
        assertThat(Duration.between(stopped, crash.at())).as("SIGSTOP to CRASHED").isLessThan(Duration.ofSeconds(10));
        events.await("sensor", PluginState.RUNNING, 2);
        assertGone(pid);
    }

    @Test
    void metricsCountCallsCrashesAndRestartsAndShowTheState() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PluginMetrics metrics = new PluginMetrics(registry);
        started(builder().listener(metrics).callListener(metrics));
        Sensor sensor = manager.dispense("sensor", "sensor", Sensor.class);
        for (int i = 0; i < 5; i++) {
            sensor.read();
        }
        assertThatThrownBy(() -> sensor.crash(3)).isInstanceOf(PluginUnavailableException.class);
        events.await("sensor", PluginState.RUNNING, 2);
        sensor.read();

        assertThat(registry.get("outpost.plugin.calls").tags("id", "sensor", "method", "Sensor.read",
                "outcome", "success").timer().count()).isEqualTo(6);
        assertThat(registry.get("outpost.plugin.calls").tags("method", "Sensor.crash", "outcome", "error").timer()
                .count()).isEqualTo(1);
        assertThat(registry.get("outpost.plugin.crashes").tags("id", "sensor").counter().count()).isEqualTo(1);
        assertThat(registry.get("outpost.plugin.restarts").tags("id", "sensor").counter().count()).isEqualTo(1);
        org.awaitility.Awaitility.await().untilAsserted(() -> {
            assertThat(registry.get("outpost.plugin.state").tags("id", "sensor", "state", "RUNNING").gauge().value())
                    .isEqualTo(1);
            assertThat(registry.get("outpost.plugin.state").tags("id", "sensor", "state", "CRASHED").gauge().value())
                    .isZero();
        });
    }
}
