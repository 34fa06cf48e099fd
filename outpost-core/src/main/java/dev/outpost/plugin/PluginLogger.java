package dev.outpost.plugin;

import dev.outpost.LogLevel;
import dev.outpost.internal.wire.LogLine;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Logs from inside a plugin in go-plugin's JSON line format on the process's real stderr, so that
 * any go-plugin host (Go or Java) shows each record at its level with its fields. Thread-safe.
 *
 * <pre>{@code
 * PluginLogger log = PluginLogger.named("kv");
 * log.info("stored", "key", key, "bytes", value.length);
 * }</pre>
 */
public final class PluginLogger {

    /** The real stderr, kept even after {@code System.err} is redirected to the host's stdio stream. */
    private static final PrintStream STDERR =
            new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

    private final String module;

    private PluginLogger(String module) {
        this.module = Objects.requireNonNull(module, "module");
    }

    /** A logger whose records carry {@code @module = module}. */
    public static PluginLogger named(String module) {
        return new PluginLogger(module);
    }

    public void trace(String message, Object... keyValues) {
        log(LogLevel.TRACE, message, keyValues);
    }

    public void debug(String message, Object... keyValues) {
        log(LogLevel.DEBUG, message, keyValues);
    }

    public void info(String message, Object... keyValues) {
        log(LogLevel.INFO, message, keyValues);
    }

    public void warn(String message, Object... keyValues) {
        log(LogLevel.WARN, message, keyValues);
    }

    public void error(String message, Object... keyValues) {
        log(LogLevel.ERROR, message, keyValues);
    }

    /**
     * Writes one record. {@code keyValues} alternate key and value; a {@link Throwable} value is written
     * with its stack trace; an odd last value goes under {@code EXTRA_VALUE_AT_END}, as hclog does.
     */
    public void log(LogLevel level, String message, Object... keyValues) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            if (i + 1 == keyValues.length) {
                fields.put("EXTRA_VALUE_AT_END", render(keyValues[i]));
            } else {
                fields.put(String.valueOf(keyValues[i]), render(keyValues[i + 1]));
            }
        }
        String line = LogLine.of(level, module, message, fields).toJson();
        synchronized (STDERR) {
            STDERR.println(line);
        }
    }

    private static String render(Object value) {
        if (value instanceof Throwable error) {
            StringWriter trace = new StringWriter();
            error.printStackTrace(new PrintWriter(trace));
            return trace.toString().stripTrailing();
        }
        return String.valueOf(value);
    }
}
