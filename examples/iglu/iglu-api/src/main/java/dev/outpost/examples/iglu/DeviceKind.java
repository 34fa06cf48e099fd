package dev.outpost.examples.iglu;

/** What kind of device it is. */
public enum DeviceKind {
    LIGHT, THERMOSTAT, LOCK, SENSOR
}
