package dev.outpost.examples.iglu.amazing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.examples.iglu.Device;
import dev.outpost.examples.iglu.DeviceEvent;
import dev.outpost.examples.iglu.DeviceState;
import dev.outpost.examples.iglu.Iglu;
import dev.outpost.examples.iglu.IgluPlugins;
import dev.outpost.examples.iglu.PluginManifest;
import dev.outpost.examples.iglu.UnknownDeviceException;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.testing.PluginExtension;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The AmazingPlugin tested as its author would, with outpost-testing: the same tests against the
 * implementation served in this JVM (fast) and against the real plugin process.
 */
class AmazingPluginTest {

    /** Served in this JVM: real gRPC, codec, callbacks and errors, no process to start. */
    @Nested
    class InProcess extends AmazingContract {
        @RegisterExtension
        static final PluginExtension amazing = PluginExtension.inProcess(IgluPlugins.HANDSHAKE)
                .plugin(IgluPlugins.PLUGIN_NAME, Iglu.class, new AmazingPlugin("v0.1.0"))
                .build();

        @Test
        void runsInThisJvm(PluginClient client) {
            assertThat(client.pid()).isEqualTo(ProcessHandle.current().pid());
        }
    }

    /** Launched as a process from its main class, as the Iglu host does. */
    @Nested
    class Launched extends AmazingContract {
        @RegisterExtension
        static final PluginExtension amazing = PluginExtension.launch(ClientConfig.builder()
                .name("amazing")
                .handshake(IgluPlugins.HANDSHAKE)
                .command(PluginExtension.javaMain(AmazingPlugin.class, "--version", "v0.1.0"))
                .plugin(IgluPlugins.PLUGIN_NAME, Iglu.class)
                .build());

        @Test
        void runsInAProcessOfItsOwn(PluginClient client) {
            assertThat(client.pid()).isNotEqualTo(ProcessHandle.current().pid());
        }
    }

    /** What the plugin must do, however it runs. */
    abstract static class AmazingContract {

        @Test
        void manifest(Iglu iglu) {
            assertThat(iglu.getManifest())
                    .isEqualTo(new PluginManifest("amazing", "Amazing Plugin", "Someone Amazing", "v0.1.0"));
        }

        @Test
        void setStateChangesTheDeviceAndNotifiesSubscribers(Iglu iglu) throws UnknownDeviceException {
            List<DeviceEvent> events = new CopyOnWriteArrayList<>();
            iglu.subscribe(events::add);

            Device light = iglu.setState("hall-light", DeviceState.ON);

            assertThat(light.id()).isEqualTo("hall-light");
            assertThat(light.state()).isEqualTo(DeviceState.ON);
            assertThat(iglu.devices()).filteredOn(device -> device.id().equals("hall-light"))
                    .singleElement().satisfies(device -> assertThat(device.state().on()).isTrue());
            // The plugin calls listeners before setState returns: the event is already here.
            assertThat(events).singleElement().satisfies(event -> {
                assertThat(event.pluginId()).isEqualTo("amazing");
                assertThat(event.device().id()).isEqualTo("hall-light");
                assertThat(event.device().state()).isEqualTo(DeviceState.ON);
            });
        }

        @Test
        void anUnknownDeviceIsRefusedWithTheDeclaredException(Iglu iglu) {
            assertThatThrownBy(() -> iglu.setState("garage", DeviceState.ON))
                    .isInstanceOf(UnknownDeviceException.class)
                    .hasMessage("no device 'garage' in plugin amazing (it has [desk-lamp, hall-light, thermostat])");
        }
    }
}
