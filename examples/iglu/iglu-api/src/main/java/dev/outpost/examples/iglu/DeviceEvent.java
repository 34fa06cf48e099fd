package dev.outpost.examples.iglu;

import java.time.Instant;

/** A device changed. */
public record DeviceEvent(String pluginId, Device device, Instant at) {
}
