package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.fixtures.LeakCheck;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link PluginManager#events}: each plugin's recent state changes, bounded. */
@ExtendWith(LeakCheck.class)
class RecentEventsTest extends ManagerTestSupport {

    @Test
    void aPluginKeepsItsLastFiftyStateChangesInOrder() throws Exception {
        // Every start fails: 20 restarts make 1 + 20 * 3 + 2 = 63 changes, more than are kept.
        PluginDirs.script(dir, "flaky", "echo 'cannot open device' >&2; exit 3");
        started(PluginManager.builder().directory(dir).handshake(SensorPlugin.HANDSHAKE).plugin("sensor", Sensor.class)
                .restartPolicy(RestartPolicy.builder().initialDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(5))
                        .jitter(0).maxRestarts(20).window(Duration.ofMinutes(1)).build()));
        events.await("flaky", PluginState.FAILED, 1);

        List<PluginEvent> recent = manager.events("flaky");

        assertThat(events.all().size()).isGreaterThan(ManagedPlugin.RECENT_EVENTS);
        assertThat(recent).hasSize(ManagedPlugin.RECENT_EVENTS)
                .isEqualTo(events.all().subList(events.all().size() - ManagedPlugin.RECENT_EVENTS, events.all().size()));
        assertThat(recent.get(recent.size() - 1).to()).isEqualTo(PluginState.FAILED);
        for (int i = 1; i < recent.size(); i++) {
            assertThat(recent.get(i).from()).as("event %d follows the one before", i).isEqualTo(recent.get(i - 1).to());
        }
        assertThatThrownBy(() -> manager.events("nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no plugin 'nope' (known: [flaky])");
    }
}
