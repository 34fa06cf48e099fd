package dev.outpost.examples.iglu.amazing;

import dev.outpost.examples.iglu.Device;
import dev.outpost.examples.iglu.DeviceEvent;
import dev.outpost.examples.iglu.DeviceKind;
import dev.outpost.examples.iglu.DeviceListener;
import dev.outpost.examples.iglu.DeviceState;
import dev.outpost.examples.iglu.Iglu;
import dev.outpost.examples.iglu.IgluPlugins;
import dev.outpost.examples.iglu.PluginManifest;
import dev.outpost.examples.iglu.UnknownDeviceException;
import dev.outpost.plugin.PluginLogger;
import dev.outpost.plugin.PluginServer;
import dev.outpost.plugin.ServeConfig;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** The seed's plugin: two lights and a thermostat, served over Outpost. */
public final class AmazingPlugin implements Iglu {

    private static final PluginLogger LOG = PluginLogger.named("amazing");

    private final PluginManifest manifest;
    private final Map<String, Device> devices = new ConcurrentHashMap<>();
    private final List<DeviceListener> listeners = new CopyOnWriteArrayList<>();

    AmazingPlugin(String version) {
        this.manifest = new PluginManifest("amazing", "Amazing Plugin", "Someone Amazing", version);
        Instant now = Instant.now();
        for (Device device : List.of(
                new Device("hall-light", "Hall light", DeviceKind.LIGHT, DeviceState.OFF, now),
                new Device("desk-lamp", "Desk lamp", DeviceKind.LIGHT, DeviceState.at(40), now),
                new Device("thermostat", "Living room thermostat", DeviceKind.THERMOSTAT, DeviceState.at(20.5), now))) {
            devices.put(device.id(), device);
        }
    }

    /** {@code AmazingPlugin [--version V]}: V defaults to v0.1.0. */
    public static void main(String[] args) {
        List<String> arguments = List.of(args);
        int at = arguments.indexOf("--version");
        String version = at >= 0 && at + 1 < arguments.size() ? arguments.get(at + 1) : "v0.1.0";
        PluginServer.serve(ServeConfig.builder()
                .handshake(IgluPlugins.HANDSHAKE)
                .plugin(IgluPlugins.PLUGIN_NAME, Iglu.class, new AmazingPlugin(version))
                .build());
    }

    @Override
    public PluginManifest getManifest() {
        return manifest;
    }

    @Override
    public List<Device> devices() {
        return devices.values().stream().sorted((a, b) -> a.id().compareTo(b.id())).toList();
    }

    @Override
    public Device setState(String deviceId, DeviceState state) throws UnknownDeviceException {
        Device current = devices.get(deviceId);
        if (current == null) {
            throw new UnknownDeviceException("no device '" + deviceId + "' in plugin " + manifest.id()
                    + " (it has " + devices.keySet().stream().sorted().toList() + ")");
        }
        Device updated = new Device(current.id(), current.name(), current.kind(), state, Instant.now());
        devices.put(deviceId, updated);
        LOG.info("device changed", "device", deviceId, "state", state);
        DeviceEvent event = new DeviceEvent(manifest.id(), updated, updated.updated());
        for (DeviceListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("listener failed; dropping it", "error", e.getMessage());
                listeners.remove(listener);
            }
        }
        return updated;
    }

    @Override
    public void subscribe(DeviceListener listener) {
        listeners.add(listener);
    }
}
