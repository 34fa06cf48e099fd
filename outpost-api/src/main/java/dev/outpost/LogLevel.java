package dev.outpost;

import java.util.Locale;
import java.util.Optional;

/** The log levels of go-plugin's JSON log lines (hclog), by their wire names. */
public enum LogLevel {
    TRACE, DEBUG, INFO, WARN, ERROR;

    /** The lower-case name written in {@code @level}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Case-insensitive, trimmed match of a wire name; {@code warning}, {@code fatal} and the like are not levels. */
    public static Optional<LogLevel> fromWireName(String name) {
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        for (LogLevel level : values()) {
            if (level.wireName().equals(wanted)) {
                return Optional.of(level);
            }
        }
        return Optional.empty();
    }
}
