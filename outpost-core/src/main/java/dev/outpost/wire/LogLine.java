package dev.outpost.wire;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

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

    /** go-plugin's timestamp layout: exactly six fractional digits and an offset. */
    public static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX")
            .withZone(ZoneOffset.UTC);

    /** Log lines are small; a hostile one must not cost the host more than a bounded parse. */
    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(32)
                    .maxStringLength(1 << 20)
                    .maxNumberLength(100)
                    .build())
            .build()).build();

    public LogLine {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(module, "module");
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** A record stamped now. */
    public static LogLine of(LogLevel level, String module, String message, Map<String, String> fields) {
        return new LogLine(level, message, TIMESTAMP.format(Instant.now()), module == null ? "" : module, fields);
    }

    /** The JSON line, without a newline. Fields never override the {@code @} keys. */
    public String toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("@level", level.wireName());
        node.put("@message", message);
        node.put("@timestamp", timestamp);
        if (!module.isEmpty()) {
            node.put("@module", module);
        }
        fields.forEach((key, value) -> {
            if (!key.startsWith("@")) {
                node.put(key, value);
            }
        });
        return JSON.writeValueAsString(node);
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
            node = JSON.readTree(text);
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
