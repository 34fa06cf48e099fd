package dev.outpost.examples.iglu;

import java.util.Optional;

/**
 * A device's state: on or off, and for dimmable or adjustable devices a level (brightness in
 * percent, temperature in °C).
 */
public record DeviceState(boolean on, Optional<Double> level) {

    /** Switched on, no level. */
    public static final DeviceState ON = new DeviceState(true, Optional.empty());
    /** Switched off. */
    public static final DeviceState OFF = new DeviceState(false, Optional.empty());

    public static DeviceState at(double level) {
        return new DeviceState(true, Optional.of(level));
    }

    @Override
    public String toString() {
        return (on ? "on" : "off") + level.map(value -> " at " + value).orElse("");
    }
}
