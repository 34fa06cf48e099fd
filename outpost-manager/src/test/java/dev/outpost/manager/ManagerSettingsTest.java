package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.PluginCallException;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A manager keeps what its builder held at {@code build()}: the builder changed afterwards does not reach it. */
@ExtendWith(LeakCheck.class)
class ManagerSettingsTest extends ManagerTestSupport {

    private static final PluginListener QUIET = event -> { };
    private static final CallListener UNCOUNTED = (id, method, duration, failure) -> { };

    private PluginManager.Builder builder() {
        return PluginManager.builder().directory(dir).handshake(SensorPlugin.HANDSHAKE).plugin("sensor", Sensor.class);
    }

    @Test
    void changingTheBuilderAfterBuildChangesNothingOfTheManager() {
        PluginManager.Builder builder = builder().callTimeout(Duration.ofSeconds(1)).maxMessageSize(1 << 20)
                .maxMessageSize("big", 2 << 20).restartPolicy(RestartPolicy.NEVER).listener(QUIET)
                .callListener(UNCOUNTED).jvmOptions(List.of("-Xmx32m"));
        manager = builder.build();

        builder.callTimeout(Duration.ofSeconds(5)).maxMessageSize(4 << 20).maxMessageSize("big", 8 << 20)
                .maxMessageSize("other", 16 << 20).plugin("other", Sensor.class).restartPolicy(RestartPolicy.DEFAULT)
                .listener(events).callListener(UNCOUNTED).jvmOptions(List.of("-Xmx64m")).watch(true)
                .startTimeout(Duration.ofSeconds(7));

        ManagerSettings settings = manager.settings();
        assertThat(settings.callTimeout).isEqualTo(Duration.ofSeconds(1));
        assertThat(settings.startTimeout).as("the default").isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.maxMessageSize).isEqualTo(1 << 20);
        assertThat(settings.maxMessageSizes).containsExactly(Map.entry("big", 2 << 20));
        assertThat(settings.types).containsOnlyKeys(1);
        assertThat(settings.types.get(1)).containsOnlyKeys("sensor");
        assertThat(settings.registers("other")).isFalse();
        assertThat(settings.restartPolicy).isSameAs(RestartPolicy.NEVER);
        assertThat(settings.listeners).containsExactly(QUIET);
        assertThat(settings.callListeners).containsExactly(UNCOUNTED);
        assertThat(settings.jvmOptions).containsExactly("-Xmx32m");
        assertThat(settings.watch).isFalse();

        ClientConfig launch = settings.clientTemplate("big").command("true").build();
        assertThat(launch.callTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(launch.maxMessageSize()).isEqualTo(2 << 20);
        assertThat(launch.versionedPlugins().get(1)).containsOnlyKeys("sensor");
        assertThat(settings.clientTemplate("small").command("true").build().maxMessageSize()).isEqualTo(1 << 20);
    }

    @Test
    void clientDefaultsReachEveryLaunchAndTheManagersOwnSettingsWin() {
        manager = builder().callTimeout(Duration.ofSeconds(3)).clientDefaults(config -> config.autoMtls(true)
                .multiplexBroker(true).gracefulTimeout(Duration.ofMillis(700)).name("not-this")
                .callTimeout(Duration.ofSeconds(9))).build();
        ClientConfig launch = manager.settings().clientTemplate("sensor-a").command("true").build();
        assertThat(launch.autoMtls()).isTrue();
        assertThat(launch.multiplexBroker()).isTrue();
        assertThat(launch.gracefulTimeout()).isEqualTo(Duration.ofMillis(700));
        assertThat(launch.name()).as("the manager's").isEqualTo("sensor-a");
        assertThat(launch.callTimeout()).as("the manager's").isEqualTo(Duration.ofSeconds(3));
    }

    /** A managed plugin reached over AutoMTLS and one multiplexed connection, set through the defaults alone. */
    @Test
    void aManagedPluginStartsWithTheClientDefaults() throws Exception {
        PluginDirs.script(dir, "sensor-a");
        started(builder().clientDefaults(config -> config.autoMtls(true).multiplexBroker(true)));
        events.await("sensor-a", PluginState.RUNNING, 1);
        PluginClient client = manager.client("sensor-a").orElseThrow();
        assertThat(client.pluginCertificate()).isPresent();
        assertThat(client.handshake().multiplex()).contains(true);
        assertThat(manager.dispense("sensor-a", "sensor", Sensor.class).read()).isNotEmpty();
    }

    @Test
    void theSameBuilderBuildsManagersThatDoNotShareTheirSettings() throws Exception {
        PluginManager.Builder builder = builder().callTimeout(Duration.ofSeconds(1));
        manager = builder.build();
        try (PluginManager second = builder.callTimeout(Duration.ofSeconds(2)).plugin("other", Sensor.class).build()) {
            assertThat(second.settings().callTimeout).isEqualTo(Duration.ofSeconds(2));
            assertThat(second.settings().registers("other")).isTrue();
            assertThat(manager.settings().callTimeout).isEqualTo(Duration.ofSeconds(1));
            assertThat(manager.settings().registers("other")).isFalse();
        }
    }

    @Test
    void theSettingsCannotBeChangedThroughTheirCollections() {
        manager = builder().maxMessageSize("big", 2 << 20).listener(QUIET).callListener(UNCOUNTED).build();
        ManagerSettings settings = manager.settings();
        assertThatThrownBy(() -> settings.types.put(2, Map.of()))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> settings.types.get(1).remove("sensor"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> settings.maxMessageSizes.put("big", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> settings.listeners.add(QUIET)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> settings.callListeners.clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> settings.jvmOptions.add("-Xmx1g")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aRunningManagerUsesWhatItWasBuiltWith() throws Exception {
        PluginDirs.script(dir, "sensor");
        List<String> calls = new CopyOnWriteArrayList<>();
        PluginManager.Builder builder = builder().maxMessageSize(1 << 20).listener(events);
        manager = builder.build();
        builder.maxMessageSize(4 << 20).plugin("other", Sensor.class)
                .callListener((id, method, duration, failure) -> calls.add(method));
        manager.start();

        Sensor sensor = manager.dispense("sensor", "sensor", Sensor.class);
        assertThat(sensor.sample(1000)).hasSize(1000);
        assertThatThrownBy(() -> sensor.sample(2 << 20)).isInstanceOf(PluginCallException.class)
                .hasMessageContaining("1048576");
        assertThatThrownBy(() -> manager.dispense("sensor", "other", Sensor.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("plugin type \"other\" is not registered with this manager");
        assertThat(calls).as("a call listener added to the builder after build()").isEmpty();
        events.await("sensor", PluginState.RUNNING, 1);
        assertThat(events.moves("sensor")).as("the listener given before build()")
                .containsExactly("LOADING -> STARTING", "STARTING -> RUNNING");
    }
}
