package dev.outpost.internal.wire;

import dev.outpost.LogLevel;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogLineTest {

    @Test
    void writesGoPluginJsonWithMicrosecondTimestamps() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("key", "value");
        fields.put("@level", "ignored: fields never override the @ keys");
        String json = LogLine.of(LogLevel.WARN, "kv", "stored", fields).toJson();
        assertThat(json).startsWith("{\"@level\":\"warn\",\"@message\":\"stored\",\"@timestamp\":\"")
                .contains("\"@module\":\"kv\"", "\"key\":\"value\"")
                .doesNotContain("ignored")
                .matches(".*\"@timestamp\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z\".*");
        assertThat(LogLine.parse(json)).hasValueSatisfying(line -> {
            assertThat(line.level()).isEqualTo(LogLevel.WARN);
            assertThat(line.message()).isEqualTo("stored");
            assertThat(line.module()).isEqualTo("kv");
            assertThat(line.fields()).containsExactly(Map.entry("key", "value"));
        });
    }

    @Test
    void timestampsHaveSixFractionalDigitsInUtc() {
        assertThat(LogLine.timestamp(Instant.parse("2026-01-02T03:04:05.000007891Z")))
                .isEqualTo("2026-01-02T03:04:05.000007Z");
        assertThat(LogLine.timestamp(Instant.parse("0999-12-31T23:59:59.999999999Z")))
                .isEqualTo("0999-12-31T23:59:59.999999Z");
        assertThat(LogLine.timestamp(Instant.EPOCH)).isEqualTo("1970-01-01T00:00:00.000000Z");
    }

    @Test
    void escapesMessagesAndFields() {
        String json = LogLine.of(LogLevel.INFO, "", "a \"quoted\"\nline", Map.of("path", "C:\\x")).toJson();
        assertThat(json).contains("\"@message\":\"a \\\"quoted\\\"\\nline\"", "\"path\":\"C:\\\\x\"")
                .doesNotContain("@module");
        assertThat(LogLine.parse(json)).hasValueSatisfying(line -> {
            assertThat(line.message()).isEqualTo("a \"quoted\"\nline");
            assertThat(line.fields()).containsExactly(Map.entry("path", "C:\\x"));
        });
    }

    @Test
    void readsHclogLinesWithTheirFields() {
        String line = "{\"@level\":\"DEBUG \",\"@message\":\"plugin address\",\"@timestamp\":"
                + "\"2026-01-02T03:04:05.123456Z\",\"address\":\"/tmp/p\",\"count\":3,\"nested\":{\"a\":[1]}}";
        assertThat(LogLine.parse(line)).hasValueSatisfying(record -> {
            assertThat(record.level()).isEqualTo(LogLevel.DEBUG);
            assertThat(record.timestamp()).isEqualTo("2026-01-02T03:04:05.123456Z");
            assertThat(record.fields()).containsEntry("address", "/tmp/p").containsEntry("count", "3")
                    .containsEntry("nested", "{\"a\":[1]}");
        });
    }

    @Test
    void linesGoHostsWouldNotTakeAsRecordsAreNotRecords() {
        assertThat(LogLine.parse("plain text")).isEmpty();
        assertThat(LogLine.parse("[1,2]")).isEmpty();
        assertThat(LogLine.parse("{not json}")).isEmpty();
        assertThat(LogLine.parse("{\"@level\":\"warning\",\"@message\":\"m\"}")).isEmpty();
        assertThat(LogLine.parse("{\"@message\":\"no level\"}")).isEmpty();
        assertThat(LogLine.parse("{\"@level\":\"info\",\"@message\":42}")).isEmpty();
        assertThat(LogLine.parse("{\"@level\":\"info\",\"@message\":\"m\",\"@timestamp\":null}")).isEmpty();
    }

    @Test
    void theLevelAloneIsReadWithoutBuildingTheRecord() {
        String line = "{\"@level\":\"debug\",\"@message\":\"kv get\",\"@module\":\"go-kv-plugin.kv\","
                + "\"@timestamp\":\"2026-01-02T03:04:05.123456Z\",\"found\":true,\"nested\":{\"@level\":1}}";
        assertThat(LogLine.levelOf(line)).contains(LogLevel.DEBUG);
        assertThat(LogLine.levelOf("{\"@level\":\"info\",\"@message\":{\"a\":1}}")).isEmpty();
        assertThat(LogLine.levelOf("{\"@level\":\"info\"} {}")).isEmpty();
        assertThat(LogLine.levelOf("{\"@level\":\"info\",\"x\":[1,}")).isEmpty();
        assertThat(LogLine.levelOf("{\"@message\":\"no level\"}")).isEmpty();
        // of duplicate keys the last counts, in both
        String twice = "{\"@level\":3,\"@level\":\"warn\"}";
        assertThat(LogLine.levelOf(twice)).contains(LogLevel.WARN).isEqualTo(LogLine.parse(twice).map(LogLine::level));
        String twiceBad = "{\"@level\":\"warn\",\"@level\":3}";
        assertThat(LogLine.levelOf(twiceBad)).isEmpty().isEqualTo(LogLine.parse(twiceBad).map(LogLine::level));
    }

    @Test
    void aDeeplyNestedLineIsRejectedNotParsed() {
        String bomb = "{\"@level\":\"info\",\"@message\":\"m\",\"x\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        assertThat(LogLine.parse(bomb)).isEmpty();
        assertThat(LogLine.levelOf(bomb)).isEmpty();
    }
}
