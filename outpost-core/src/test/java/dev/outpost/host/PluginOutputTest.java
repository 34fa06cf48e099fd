package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.outpost.fixtures.CapturedLogs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class PluginOutputTest {

    private final CapturedLogs logs = new CapturedLogs("outpost.plugin.test-output");
    private final List<String> stdout = new ArrayList<>();
    private final List<String> rawStderr = new ArrayList<>();
    private final PluginOutput output = new PluginOutput(LoggerFactory.getLogger("outpost.plugin.test-output"),
            stdout::add, rawStderr::add);

    @AfterEach
    void close() {
        logs.close();
    }

    @Test
    void jsonLinesBecomeEventsAtTheirLevelWithTheirFields() {
        output.stderr("{\"@level\":\"warn\",\"@message\":\"disk low\",\"@timestamp\":\"2026-01-02T03:04:05.123456Z\","
                + "\"@module\":\"kv\",\"free\":12}", false);
        ILoggingEvent event = logs.events().get(0);
        assertThat(event.getLevel()).isEqualTo(Level.WARN);
        assertThat(event.getFormattedMessage()).isEqualTo("disk low");
        assertThat(CapturedLogs.keyValues(event)).containsEntry("module", "kv").containsEntry("free", "12")
                .containsEntry("timestamp", "2026-01-02T03:04:05.123456Z");
        assertThat(rawStderr).hasSize(1);
    }

    @Test
    void prefixedLinesTakeTheirLevelAndPlainLinesAreInfo() {
        output.stderr("[ERROR] broken", false);
        output.stderr("[TRACE] detail", false);
        output.stderr("just text", false);
        assertThat(logs.events()).extracting(ILoggingEvent::getLevel, ILoggingEvent::getFormattedMessage)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(Level.ERROR, "[ERROR] broken"),
                        org.assertj.core.groups.Tuple.tuple(Level.TRACE, "[TRACE] detail"),
                        org.assertj.core.groups.Tuple.tuple(Level.INFO, "just text"));
    }

    @Test
    void aPanicOrUncaughtExceptionTurnsEveryFollowingPlainLineIntoAnError() {
        output.stderr("before", false);
        output.stderr("Exception in thread \"main\" java.lang.IllegalStateException: boom", false);
        output.stderr("\tat Main.main(Main.java:3)", false);
        output.stderr("{\"@level\":\"debug\",\"@message\":\"json keeps its level\"}", false);
        assertThat(logs.events()).extracting(ILoggingEvent::getLevel)
                .containsExactly(Level.INFO, Level.ERROR, Level.ERROR, Level.DEBUG);
    }

    @Test
    void recordsBelowTheLoggersLevelAreDroppedButKeptInTheTailAndTheCopy() {
        String name = "outpost.plugin.test-output-info";
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(name);
        logger.setLevel(Level.INFO);
        List<String> copy = new ArrayList<>();
        try (CapturedLogs infoLogs = new CapturedLogs(name)) {
            PluginOutput atInfo = new PluginOutput(logger, stdout::add, copy::add);
            atInfo.stderr("{\"@level\":\"debug\",\"@message\":\"kv get\",\"key\":\"k\"}", false);
            atInfo.stderr("{\"@level\":\"info\",\"@message\":\"stored\",\"key\":\"k\"}", false);
            // not a record (it does not close), so a plain line at INFO, whatever it says its level is
            atInfo.stderr("{\"@level\":\"debug\",\"@message\":\"cut\",}", false);
            assertThat(infoLogs.events()).extracting(ILoggingEvent::getLevel, ILoggingEvent::getFormattedMessage)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(Level.INFO, "stored"),
                            org.assertj.core.groups.Tuple.tuple(Level.INFO, "{\"@level\":\"debug\",\"@message\":\"cut\",}"));
            assertThat(CapturedLogs.keyValues(infoLogs.events().get(0))).containsEntry("key", "k");
            assertThat(atInfo.tail()).hasSize(3).first().asString().contains("kv get");
            assertThat(copy).hasSize(3);
        } finally {
            logger.setLevel(null);
        }
    }

    @Test
    void truncatedPiecesAreLoggedAsTextAndFlagged() {
        output.stderr("{\"@level\":\"error\",\"@message\":", true);
        ILoggingEvent event = logs.events().get(0);
        assertThat(event.getLevel()).isEqualTo(Level.INFO);
        assertThat(CapturedLogs.keyValues(event)).containsEntry("truncated", true);
    }

    @Test
    void keepsTheLastLinesForErrorMessages() {
        for (int i = 0; i < PluginOutput.TAIL_LINES + 5; i++) {
            output.stderr("line " + i, false);
        }
        output.stderr("x".repeat(5000), false);
        List<String> tail = output.tail();
        assertThat(tail).hasSize(PluginOutput.TAIL_LINES);
        assertThat(tail.get(0)).isEqualTo("line 6");
        assertThat(tail.get(tail.size() - 1)).hasSize(1001).endsWith("…");
    }

    @Test
    void stdoutLinesGoToTheSink() {
        output.stdout("hello");
        assertThat(stdout).containsExactly("hello");
    }
}
