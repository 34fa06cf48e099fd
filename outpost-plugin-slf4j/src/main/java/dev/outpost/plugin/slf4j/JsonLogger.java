package dev.outpost.plugin.slf4j;

import dev.outpost.plugin.PluginLogger;
import dev.outpost.LogLevel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggingEventAware;

/**
 * An SLF4J logger that writes one go-plugin JSON log line per record through {@link PluginLogger}, with
 * the logger's name as {@code @module}. The fluent API's key/value pairs become fields of their own
 * (hence {@link LoggingEventAware}: SLF4J would otherwise fold them into the message text).
 */
final class JsonLogger extends AbstractLogger implements LoggingEventAware {

    private static final long serialVersionUID = 1L;

    /** The field a record's exception goes under, with its stack trace. */
    static final String EXCEPTION_FIELD = "exception";

    private final transient Threshold threshold;
    private final transient BasicMDCAdapter mdc;
    private final transient PluginLogger out;

    JsonLogger(String name, Threshold threshold, BasicMDCAdapter mdc) {
        this.name = name;
        this.threshold = threshold;
        this.mdc = mdc;
        this.out = PluginLogger.named(name);
    }

    @Override
    public boolean isTraceEnabled() {
        return threshold.allows(Level.TRACE);
    }

    @Override
    public boolean isTraceEnabled(Marker marker) {
        return isTraceEnabled();
    }

    @Override
    public boolean isDebugEnabled() {
        return threshold.allows(Level.DEBUG);
    }

    @Override
    public boolean isDebugEnabled(Marker marker) {
        return isDebugEnabled();
    }

    @Override
    public boolean isInfoEnabled() {
        return threshold.allows(Level.INFO);
    }

    @Override
    public boolean isInfoEnabled(Marker marker) {
        return isInfoEnabled();
    }

    @Override
    public boolean isWarnEnabled() {
        return threshold.allows(Level.WARN);
    }

    @Override
    public boolean isWarnEnabled(Marker marker) {
        return isWarnEnabled();
    }

    @Override
    public boolean isErrorEnabled() {
        return threshold.allows(Level.ERROR);
    }

    @Override
    public boolean isErrorEnabled(Marker marker) {
        return isErrorEnabled();
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern, Object[] arguments,
                                               Throwable throwable) {
        write(level, messagePattern, arguments, List.of(), throwable);
    }

    /** A record of the fluent API ({@code log.atWarn().addKeyValue("key", k).log("...")}). */
    @Override
    public void log(LoggingEvent event) {
        if (!threshold.allows(event.getLevel())) {
            return;
        }
        List<KeyValuePair> pairs = event.getKeyValuePairs();
        Object[] arguments = event.getArgumentArray();
        Throwable error = event.getThrowable();
        // The other calls come here with the exception taken out of the arguments (AbstractLogger does it);
        // a fluent record's last argument is its exception as well when it is a Throwable.
        if (error == null && MessageFormatter.getThrowableCandidate(arguments) != null) {
            error = MessageFormatter.getThrowableCandidate(arguments);
            arguments = MessageFormatter.trimmedCopy(arguments);
        }
        write(event.getLevel(), event.getMessage(), arguments, pairs == null ? List.of() : pairs, error);
    }

    private void write(Level level, String pattern, Object[] arguments, List<KeyValuePair> pairs, Throwable error) {
        String message = MessageFormatter.basicArrayFormat(pattern, arguments);
        List<Object> fields = new ArrayList<>();
        for (KeyValuePair pair : pairs) {
            fields.add(pair.key);
            fields.add(pair.value);
        }
        Map<String, String> context = mdc.getCopyOfContextMap();
        if (context != null) {
            context.forEach((key, value) -> {
                fields.add(key);
                fields.add(value);
            });
        }
        if (error != null) {
            fields.add(EXCEPTION_FIELD);
            fields.add(error);
        }
        out.log(wireLevel(level), message == null ? "" : message, fields.toArray());
    }

    private static LogLevel wireLevel(Level level) {
        return switch (level) {
            case TRACE -> LogLevel.TRACE;
            case DEBUG -> LogLevel.DEBUG;
            case INFO -> LogLevel.INFO;
            case WARN -> LogLevel.WARN;
            case ERROR -> LogLevel.ERROR;
        };
    }
}
