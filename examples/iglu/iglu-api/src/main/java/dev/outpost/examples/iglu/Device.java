package dev.outpost.examples.iglu;

import java.time.Instant;

/** A device a plugin drives, as it is at {@code updated}. */
public record Device(String id, String name, DeviceKind kind, DeviceState state, Instant updated) {
}
