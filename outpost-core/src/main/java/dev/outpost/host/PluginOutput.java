package dev.outpost.host;

import dev.outpost.LogLevel;
import dev.outpost.internal.wire.LogLine;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Where a plugin's output goes. Stderr lines (from the pipe and from the stdio stream) become log
 * events: go-plugin JSON lines at their level with their fields; {@code [LEVEL]}-prefixed lines at
 * that level; a panic or an uncaught Java exception at ERROR, and every plain line after it too
 * (its stack trace); other plain lines at INFO, as they are. The last lines, and the lines of the
 * first exception that say why, are kept for error messages. Thread-safe.
 */
final class PluginOutput {

    static final int TAIL_LINES = 20;
    private static final int TAIL_LINE_CHARS = 1000;

    private final Logger logger;
    private final Consumer<String> stdoutSink;
    private final Consumer<String> stderrCopy;
    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private final StderrCause cause = new StderrCause();
    private boolean panicking;

    PluginOutput(Logger logger, Consumer<String> stdoutSink, Consumer<String> stderrCopy) {
        this.logger = logger;
        this.stdoutSink = stdoutSink;
        this.stderrCopy = stderrCopy;
    }

    /**
     * The output of the plugin {@code config} describes: logs on {@link ClientConfig#loggerName()}, stdout
     * to {@link ClientConfig#stdout()} or, by default, to that logger's {@code .stdout} child at INFO.
     */
    static PluginOutput of(ClientConfig config) {
        Logger stdoutLogger = stdoutLogger(config);
        Consumer<String> stdoutSink = config.stdout() != null ? config.stdout() : line -> stdoutLogger.info("{}", line);
        return new PluginOutput(LoggerFactory.getLogger(config.loggerName()), stdoutSink, config.stderr());
    }

    /** The logger for what the plugin prints on stdout, and for stray lines before its handshake. */
    static Logger stdoutLogger(ClientConfig config) {
        return LoggerFactory.getLogger(config.loggerName() + ".stdout");
    }

    void stdout(String line) {
        stdoutSink.accept(line);
    }

    synchronized void stderr(String line, boolean truncated) {
        remember(line);
        if (stderrCopy != null) {
            stderrCopy.accept(line);
        }
        Optional<LogLevel> recordLevel = truncated ? Optional.empty() : LogLine.levelOf(line);
        if (recordLevel.isPresent()) {
            Level level = slf4j(recordLevel.get());
            if (!logger.isEnabledForLevel(level)) {
                return; // a record this logger drops: checked (it is one), never built
            }
            var record = LogLine.parse(line);
            if (record.isPresent()) {
                log(level, record.get());
                return;
            }
        }
        cause.accept(line);
        Level level = plainLineLevel(line);
        LoggingEventBuilder event = logger.atLevel(level).setMessage(line);
        if (truncated) {
            event = event.addKeyValue("truncated", true);
        }
        event.log();
    }

    /** The last stderr lines, oldest first. */
    synchronized List<String> tail() {
        return List.copyOf(tail);
    }

    /** The first exception's line and its causes, however far above the tail they were (see {@link StderrCause}). */
    synchronized List<String> cause() {
        return cause.lines();
    }

    private static Level slf4j(LogLevel level) {
        return switch (level) {
            case TRACE -> Level.TRACE;
            case DEBUG -> Level.DEBUG;
            case INFO -> Level.INFO;
            case WARN -> Level.WARN;
            case ERROR -> Level.ERROR;
        };
    }

    private void log(Level level, LogLine record) {
        LoggingEventBuilder event = logger.atLevel(level).setMessage(record.message());
        if (!record.module().isEmpty()) {
            event = event.addKeyValue("module", record.module());
        }
        for (Map.Entry<String, String> field : record.fields().entrySet()) {
            event = event.addKeyValue(field.getKey(), field.getValue());
        }
        if (!record.timestamp().isEmpty()) {
            event = event.addKeyValue("timestamp", record.timestamp());
        }
        event.log();
    }

    private Level plainLineLevel(String line) {
        if (line.startsWith("[TRACE]")) {
            return Level.TRACE;
        } else if (line.startsWith("[DEBUG]")) {
            return Level.DEBUG;
        } else if (line.startsWith("[INFO]")) {
            return Level.INFO;
        } else if (line.startsWith("[WARN]")) {
            return Level.WARN;
        } else if (line.startsWith("[ERROR]")) {
            return Level.ERROR;
        }
        if (line.startsWith("panic: ") || line.startsWith("fatal error: ") || line.startsWith("Exception in thread \"")) {
            panicking = true;
        }
        return panicking ? Level.ERROR : Level.INFO;
    }

    private void remember(String line) {
        if (tail.size() == TAIL_LINES) {
            tail.removeFirst();
        }
        tail.addLast(line.length() > TAIL_LINE_CHARS ? line.substring(0, TAIL_LINE_CHARS) + "…" : line);
    }
}
