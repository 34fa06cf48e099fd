package dev.outpost.examples.iglu.host;

import dev.outpost.PluginException;
import dev.outpost.examples.iglu.Device;
import dev.outpost.examples.iglu.DeviceEvent;
import dev.outpost.examples.iglu.DeviceState;
import dev.outpost.examples.iglu.Iglu;
import dev.outpost.examples.iglu.IgluPlugins;
import dev.outpost.examples.iglu.PluginManifest;
import dev.outpost.examples.iglu.UnknownDeviceException;
import dev.outpost.manager.Manifest;
import dev.outpost.manager.PluginEvent;
import dev.outpost.manager.PluginInfo;
import dev.outpost.manager.PluginManager;
import dev.outpost.manager.PluginState;
import dev.outpost.manager.RestartPolicy;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The smart-home host over a whole plugins directory, supervised by a {@link PluginManager}: loads
 * every device plugin (Java, Go, Python), prints a state table and the devices, drives a device of
 * each plugin, crashes one plugin on purpose and shows it detected and restarted, then stops them all.
 */
public final class IgluHome {

    private IgluHome() {
    }

    public static void main(String[] args) {
        Path plugins = Path.of(args.length > 0 ? args[0] : "plugins");
        System.exit(run(plugins, System.out));
    }

    /** The manager for an Iglu plugins directory. */
    public static PluginManager.Builder manager(Path plugins) {
        return PluginManager.builder()
                .directory(plugins)
                .handshake(IgluPlugins.HANDSHAKE)
                .plugin(IgluPlugins.PLUGIN_NAME, Iglu.class)
                .hostVersion("1.0.0")
                .restartPolicy(RestartPolicy.builder().initialDelay(Duration.ofMillis(100))
                        .maxDelay(Duration.ofSeconds(5)).window(Duration.ofMinutes(5)).build())
                .manifestReader(client -> {
                    PluginManifest manifest = client.dispense(IgluPlugins.PLUGIN_NAME, Iglu.class).getManifest();
                    return Optional.of(Manifest.of(manifest.id(), manifest.name(), manifest.version(), manifest.author()));
                });
    }

    static int run(Path plugins, PrintStream out) {
        out.println("Iglu: loading the plugins in " + plugins);
        BlockingQueue<PluginEvent> changes = new LinkedBlockingQueue<>();
        try (PluginManager manager = manager(plugins).listener(changes::add).build()) {
            manager.start();
            printTable(manager.plugins(), out);
            List<PluginInfo> running = manager.plugins().stream().filter(p -> p.state() == PluginState.RUNNING).toList();
            if (running.isEmpty()) {
                out.println("Iglu: no plugin is running");
                return 1;
            }
            BlockingQueue<DeviceEvent> deviceEvents = new LinkedBlockingQueue<>();
            for (PluginInfo plugin : running) {
                Iglu iglu = manager.dispense(plugin.id(), IgluPlugins.PLUGIN_NAME, Iglu.class);
                List<Device> devices = iglu.devices();
                out.println(plugin.id() + " devices:");
                for (Device device : devices) {
                    out.printf("  %-16s %-11s %s%n", device.id(), device.kind(), device.state());
                }
                iglu.subscribe(deviceEvents::add);
                Device first = devices.get(0);
                DeviceState wanted = first.state().on() ? DeviceState.OFF : DeviceState.ON;
                Device changed = iglu.setState(first.id(), wanted);
                out.println("  switched " + changed.id() + " " + changed.state());
            }
            for (DeviceEvent event = deviceEvents.poll(); event != null; event = deviceEvents.poll()) {
                out.printf("  event from %s: %s is now %s%n", event.pluginId(), event.device().id(), event.device().state());
            }

            PluginInfo victim = running.get(0);
            changes.clear();
            long pid = victim.pid().orElseThrow();
            out.println("Iglu: crashing " + victim.id() + " on purpose (SIGKILL to pid " + pid + ")");
            Instant killed = Instant.now();
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            PluginEvent change;
            do {
                change = changes.poll(30, TimeUnit.SECONDS);
                if (change == null) {
                    out.println("Iglu: " + victim.id() + " did not come back within 30 s");
                    return 1;
                }
                out.printf("  %+6d ms  %s%n", Duration.between(killed, change.at()).toMillis(), change);
            } while (!(change.id().equals(victim.id()) && change.to() == PluginState.RUNNING));
            Iglu again = manager.dispense(victim.id(), IgluPlugins.PLUGIN_NAME, Iglu.class);
            List<Device> afterCrash = again.devices();
            out.println("Iglu: " + victim.id() + " answers again with " + afterCrash.size() + " devices");
            printTable(manager.plugins(), out);
            try {
                again.setState("garage-door", DeviceState.ON);
            } catch (UnknownDeviceException e) {
                out.println("Iglu: refused as expected: " + e.getMessage());
            }
        } catch (PluginException | UnknownDeviceException e) {
            out.println("Iglu: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        out.println("Iglu: all plugins stopped");
        return 0;
    }

    static void printTable(List<PluginInfo> plugins, PrintStream out) {
        out.printf("  %-16s %-20s %-9s %-10s %-8s %s%n", "ID", "NAME", "VERSION", "STATE", "PID", "RESTARTS");
        for (PluginInfo plugin : plugins) {
            out.printf("  %-16s %-20s %-9s %-10s %-8s %d%s%n", plugin.id(),
                    plugin.manifest().map(Manifest::name).orElse("?"),
                    plugin.manifest().map(Manifest::version).orElse("?"), plugin.state(),
                    plugin.pid().isPresent() ? Long.toString(plugin.pid().getAsLong()) : "-", plugin.restarts(),
                    plugin.lastError().map(error -> "  (" + firstLine(error) + ")").orElse(""));
        }
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
