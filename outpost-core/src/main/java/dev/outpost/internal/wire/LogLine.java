package dev.outpost.internal.wire;

import dev.outpost.LogLevel;
import java.io.StringWriter;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One log record as a plugin writes it on stderr: a JSON object per line with {@code @level},
 * {@code @message}, {@code @timestamp} (always strings), optional {@code @module}, and other keys as fields.
 *
 * @param level     the record's level
 * @param message   the message
 * @param timestamp the plugin's timestamp as written (kept verbatim: go hosts accept exactly six fractional digits)
 * @param module    the logger name, or empty
 * @param fields    the other keys, in the order they came, values as JSON text or plain strings
 */
public record LogLine(LogLevel level, String message, String timestamp, String module, Map<String, String> fields) {

    /** Writing needs only Jackson's streaming core: a plugin logs before its handshake, so this stays light. */
    private static final JsonFactory WRITER = new JsonFactory();

    /** Reading, on the host side. Log lines are small; a hostile one must not cost more than a bounded parse. */
    private static final class Reader {
        static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(32)
                        .maxStringLength(1 << 20)
                        .maxNumberLength(100)
                        .build())
                .build()).build();
    }

    public LogLine {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(module, "module");
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** A record stamped now. */
    public static LogLine of(LogLevel level, String module, String message, Map<String, String> fields) {
        return new LogLine(level, message, timestamp(Instant.now()), module == null ? "" : module, fields);
    }

    /**
     * go-plugin's timestamp layout, {@code 2006-01-02T15:04:05.000000Z}: exactly six fractional digits, in
     * UTC. Written by hand because a {@code DateTimeFormatter} pattern loads locale data, about 20 ms of a
     * plugin's start.
     */
    public static String timestamp(Instant instant) {
        LocalDateTime time = LocalDateTime.ofEpochSecond(instant.getEpochSecond(), instant.getNano(), ZoneOffset.UTC);
        StringBuilder text = new StringBuilder(27);
        digits(text, time.getYear(), 4).append('-');
        digits(text, time.getMonthValue(), 2).append('-');
        digits(text, time.getDayOfMonth(), 2).append('T');
        digits(text, time.getHour(), 2).append(':');
        digits(text, time.getMinute(), 2).append(':');
        digits(text, time.getSecond(), 2).append('.');
        return digits(text, time.getNano() / 1000, 6).append('Z').toString();
    }

    private static StringBuilder digits(StringBuilder text, int value, int width) {
        String number = Integer.toString(value);
        return text.append("0".repeat(Math.max(0, width - number.length()))).append(number);
    }

    /** The JSON line, without a newline. Fields never override the {@code @} keys. */
    public String toJson() {
        StringWriter text = new StringWriter(64 + message.length());
        try (JsonGenerator json = WRITER.createGenerator(ObjectWriteContext.empty(), text)) {
            json.writeStartObject();
            json.writeStringProperty("@level", level.wireName());
            json.writeStringProperty("@message", message);
            json.writeStringProperty("@timestamp", timestamp);
            if (!module.isEmpty()) {
                json.writeStringProperty("@module", module);
            }
            for (Map.Entry<String, String> field : fields.entrySet()) {
                if (!field.getKey().startsWith("@")) {
                    json.writeStringProperty(field.getKey(), field.getValue());
                }
            }
            json.writeEndObject();
        }
        return text.toString();
    }

    /**
     * The level of a line that {@link #parse} would read as a record, or empty when it would not. Only
     * tokenizes the line (nothing is built): a host that drops a plugin's debug lines learns that here,
     * for a fraction of a parse, and parses only the lines it logs.
     */
    public static Optional<LogLevel> levelOf(String line) {
        String text = line.strip();
        if (!text.startsWith("{") || !text.endsWith("}")) {
            return Optional.empty();
        }
        // Of duplicate keys the last counts, as in the tree parse() reads.
        String level = null;
        boolean levelString = false;
        boolean messageString = true;
        boolean timestampString = true;
        try (JsonParser json = Reader.JSON.createParser(text)) {
            json.nextToken();
            JsonToken token;
            while ((token = json.nextToken()) == JsonToken.PROPERTY_NAME) {
                String name = json.currentName();
                boolean string = json.nextToken() == JsonToken.VALUE_STRING;
                switch (name) {
                    case "@level" -> {
                        levelString = string;
                        level = string ? json.getString() : null;
                    }
                    case "@message" -> messageString = string;
                    case "@timestamp" -> timestampString = string;
                    default -> { }
                }
                json.skipChildren(); // a no-op on a scalar
            }
            if (token != JsonToken.END_OBJECT || json.nextToken() != null) {
                return Optional.empty();
            }
        } catch (JacksonException | IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!levelString || !messageString || !timestampString) {
            return Optional.empty();
        }
        return LogLevel.fromWireName(level);
    }

    /**
     * Reads a line as go-plugin hosts do. Returns empty when the line is not a JSON object, when
     * {@code @message}, {@code @level} or {@code @timestamp} is present but not a string, or when the
     * level is missing or not one of trace, debug, info, warn, error: the caller then treats the
     * line as plain text. Never throws on bad input.
     */
    public static Optional<LogLine> parse(String line) {
        String text = line.strip();
        if (!text.startsWith("{") || !text.endsWith("}")) {
            return Optional.empty();
        }
        JsonNode node;
        try {
            node = Reader.JSON.readTree(text);
        } catch (JacksonException | IllegalArgumentException e) {
            return Optional.empty();
        }
        if (node == null || !node.isObject()) {
            return Optional.empty();
        }
        JsonNode level = node.get("@level");
        JsonNode message = node.get("@message");
        JsonNode timestamp = node.get("@timestamp");
        if (level == null || !level.isString()
                || (message != null && !message.isString())
                || (timestamp != null && !timestamp.isString())) {
            return Optional.empty();
        }
        Optional<LogLevel> parsedLevel = LogLevel.fromWireName(level.stringValue());
        if (parsedLevel.isEmpty()) {
            return Optional.empty();
        }
        JsonNode module = node.get("@module");
        Map<String, String> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String key = field.getKey();
            if (key.equals("@level") || key.equals("@message") || key.equals("@timestamp") || key.equals("@module")) {
                continue;
            }
            JsonNode value = field.getValue();
            fields.put(key, value.isString() ? value.stringValue() : value.toString());
        }
        return Optional.of(new LogLine(parsedLevel.get(),
                message == null ? "" : message.stringValue(),
                timestamp == null ? "" : timestamp.stringValue(),
                module != null && module.isString() ? module.stringValue() : "",
                fields));
    }
}
