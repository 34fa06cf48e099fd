package dev.outpost.plugin.slf4j;

import dev.outpost.plugin.PluginLogger;
import java.util.Locale;
import org.slf4j.event.Level;

/** The lowest level a plugin writes, from {@link OutpostServiceProvider}'s property or variable. */
record Threshold(int lowest) {

    static final Threshold DEFAULT = new Threshold(Level.INFO.toInt());
    private static final Threshold OFF = new Threshold(Integer.MAX_VALUE);

    boolean allows(Level level) {
        return level.toInt() >= lowest;
    }

    /** The {@code java.util.logging} level that lets through what this threshold does (as jul-to-slf4j maps levels). */
    java.util.logging.Level julLevel() {
        if (lowest == Integer.MAX_VALUE) {
            return java.util.logging.Level.OFF;
        }
        if (lowest >= Level.ERROR.toInt()) {
            return java.util.logging.Level.SEVERE;
        }
        if (lowest >= Level.WARN.toInt()) {
            return java.util.logging.Level.WARNING;
        }
        if (lowest >= Level.INFO.toInt()) {
            return java.util.logging.Level.INFO;
        }
        return lowest >= Level.DEBUG.toInt() ? java.util.logging.Level.FINER : java.util.logging.Level.ALL;
    }

    /**
     * The property's level, else the variable's, else info. A value that is no level is said on stderr
     * (where the host shows it) rather than dropped in silence, and info is used.
     */
    static Threshold configured(String property, String variable) {
        String source = property != null && !property.isBlank() ? OutpostServiceProvider.LEVEL_PROPERTY
                : variable != null && !variable.isBlank() ? OutpostServiceProvider.LEVEL_ENV : null;
        if (source == null) {
            return DEFAULT;
        }
        String value = (source.equals(OutpostServiceProvider.LEVEL_PROPERTY) ? property : variable).strip();
        String name = value.toUpperCase(Locale.ROOT);
        if (name.equals("OFF")) {
            return OFF;
        }
        for (Level level : Level.values()) {
            if (level.name().equals(name)) {
                return new Threshold(level.toInt());
            }
        }
        PluginLogger.named("outpost.slf4j").warn("not a log level; logging at info", source, value,
                "expected", "trace, debug, info, warn, error or off");
        return DEFAULT;
    }
}
