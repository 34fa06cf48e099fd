package dev.outpost.examples.iglu;

import java.util.List;

/**
 * What an Iglu device plugin offers the smart-home host. A plain Java interface: the host calls it
 * through Outpost as if the plugin were local, and each plugin runs in its own process.
 */
public interface Iglu {

    /** Who the plugin is. */
    PluginManifest getManifest();

    /** The devices the plugin drives. */
    List<Device> devices();

    /**
     * Changes a device's state and returns the device as it is now.
     *
     * @throws UnknownDeviceException when the plugin has no device with that id
     */
    Device setState(String deviceId, DeviceState state) throws UnknownDeviceException;

    /** Registers a listener called (from the plugin's process) whenever a device changes. */
    void subscribe(DeviceListener listener);
}
