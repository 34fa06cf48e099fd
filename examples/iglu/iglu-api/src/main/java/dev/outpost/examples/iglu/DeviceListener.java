package dev.outpost.examples.iglu;

/** Called by a plugin when one of its devices changes; runs in the host. */
public interface DeviceListener {
    void onEvent(DeviceEvent event);
}
