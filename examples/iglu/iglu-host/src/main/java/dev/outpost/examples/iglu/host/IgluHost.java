package dev.outpost.examples.iglu.host;

import dev.outpost.PluginException;
import dev.outpost.examples.iglu.Device;
import dev.outpost.examples.iglu.DeviceEvent;
import dev.outpost.examples.iglu.DeviceState;
import dev.outpost.examples.iglu.Iglu;
import dev.outpost.examples.iglu.IgluPlugins;
import dev.outpost.examples.iglu.PluginManifest;
import dev.outpost.examples.iglu.UnknownDeviceException;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.host.PluginExit;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The smart-home host: {@code iglu -- PLUGIN-COMMAND [ARGS…]} loads one device plugin, prints its
 * manifest and devices, switches a light through it (the plugin reports the change back through a
 * callback), shows a refused request, and stops the plugin.
 */
public final class IgluHost {

    private IgluHost() {
    }

    public static void main(String[] args) {
        List<String> arguments = Arrays.asList(args);
        int separator = arguments.indexOf("--");
        List<String> command = separator >= 0 ? arguments.subList(separator + 1, arguments.size()) : arguments;
        if (command.isEmpty()) {
            System.err.println("usage: iglu -- PLUGIN-COMMAND [ARGS...]");
            System.exit(2);
        }
        System.exit(run(command, System.out));
    }

    static int run(List<String> command, PrintStream out) {
        out.println("Iglu: loading plugin " + String.join(" ", command));
        long started = System.nanoTime();
        ClientConfig config = ClientConfig.builder()
                .handshake(IgluPlugins.HANDSHAKE)
                .command(command)
                .plugin(IgluPlugins.PLUGIN_NAME, Iglu.class)
                .build();
        try (PluginClient plugin = PluginClient.start(config)) {
            Iglu iglu = plugin.dispense(IgluPlugins.PLUGIN_NAME, Iglu.class);
            PluginManifest manifest = iglu.getManifest();
            out.printf("Iglu: loaded %s (pid %d, protocol %d, ready in %d ms)%n", manifest, plugin.pid(),
                    plugin.negotiatedVersion(), (System.nanoTime() - started) / 1_000_000);
            out.println("Devices:");
            for (Device device : iglu.devices()) {
                out.printf("  %-12s %-11s %s%n", device.id(), device.kind(), device.state());
            }

            BlockingQueue<DeviceEvent> events = new LinkedBlockingQueue<>();
            iglu.subscribe(events::add);
            out.println("Switching hall-light on...");
            Device hall = iglu.setState("hall-light", DeviceState.ON);
            out.println("  hall-light is now " + hall.state());
            for (DeviceEvent event = events.poll(); event != null; event = events.poll()) {
                out.printf("  event from %s: %s is now %s%n", event.pluginId(), event.device().id(),
                        event.device().state());
            }
            out.println("Switching the garage light on...");
            try {
                iglu.setState("garage", DeviceState.ON);
                out.println("  unexpectedly accepted");
                return 1;
            } catch (UnknownDeviceException e) {
                out.println("  refused: " + e.getMessage());
            }
            plugin.close();
            PluginExit exit = plugin.onExit().join();
            out.println("Iglu: plugin " + manifest.id() + " stopped (" + exit.describe() + ")");
            return exit.clean() ? 0 : 1;
        } catch (PluginException e) {
            out.println("Iglu: " + e.getMessage());
            return 1;
        } catch (UnknownDeviceException e) {
            out.println("Iglu: the plugin has no hall-light: " + e.getMessage());
            return 1;
        }
    }
}
