package dev.outpost.plugin.slf4j;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.outpost.fixtures.CapturedLogs;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.internal.wire.LogLine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A plugin process whose library logs through SLF4J, with this provider alone on its class path (the
 * test JVM, its host, logs through Logback): the host receives each record at its level.
 */
@ExtendWith(LeakCheck.class)
class PluginLogsTest {

    private final List<String> stderr = new CopyOnWriteArrayList<>();

    /** The plugin's JVM: the test class path without Logback, so that SLF4J finds this provider only. */
    private static List<String> plugin(Map<String, String> properties) {
        return plugin(LibraryLoggingPlugin.class, properties);
    }

    private static List<String> plugin(Class<?> main, Map<String, String> properties) {
        String classPath = TestJvm.classpathWithout("logback-");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir")));
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-cp", classPath, main.getName()));
        return command;
    }

    /** What the host logged of the plugin's library's records, after a call and a clean stop. */
    private List<ILoggingEvent> run(List<String> command) {
        return run(command, LibraryLoggingPlugin.LIBRARY);
    }

    /** What the host logged of the records of the logger {@code module}, after a call and a clean stop. */
    private List<ILoggingEvent> run(List<String> command, String module) {
        ClientConfig config = ClientConfig.builder().name("logging").handshake(ProbePlugin.HANDSHAKE)
                .command(command).stderr(stderr::add).plugin("probe", Probe.plugin()).build();
        try (CapturedLogs logs = new CapturedLogs("outpost.plugin.logging")) {
            try (PluginClient client = PluginClient.start(config)) {
                assertThat(client.dispense("probe", Probe.Client.class).echo("hello")).isEqualTo("hello");
            }
            // closed: the plugin is gone and its stderr read to the end
            return logs.events().stream()
                    .filter(event -> module.equals(CapturedLogs.keyValues(event).get("module")))
                    .toList();
        }
    }

    private static List<String> levelsAndMessages(List<ILoggingEvent> events) {
        return events.stream().map(event -> event.getLevel() + " " + event.getFormattedMessage()).toList();
    }

    @Test
    void aLibrarysRecordsReachTheHostAtTheirLevelWithTheLoggerAsModule() {
        List<ILoggingEvent> events = run(plugin(Map.of()));
        assertThat(levelsAndMessages(events)).as("info and above by default").containsExactly(
                "INFO pool ready", "WARN slow connection to db:5432", "ERROR connection lost");
        Map<String, Object> warn = CapturedLogs.keyValues(events.get(1));
        assertThat(warn).containsEntry("waitedMs", "1500").containsEntry("tenant", "acme");
        assertThat(CapturedLogs.keyValues(events.get(2)).get(JsonLogger.EXCEPTION_FIELD)).asString()
                .startsWith("java.io.IOException: reset by peer")
                .contains("at " + LibraryLoggingPlugin.class.getName() + ".main(");
        assertThat(CapturedLogs.keyValues(events.get(2))).doesNotContainKey("tenant");
        assertThat(stderr).as("the plugin's stderr: JSON log lines only, no SLF4J provider warning")
                .isNotEmpty().allSatisfy(line -> assertThat(LogLine.parse(line)).as(line).isPresent());
    }

    @Test
    void theThresholdComesFromTheSystemProperty() {
        List<ILoggingEvent> events = run(plugin(Map.of(OutpostServiceProvider.LEVEL_PROPERTY, "debug")));
        assertThat(levelsAndMessages(events)).containsExactly("DEBUG pool sized to 4 connections",
                "INFO pool ready", "WARN slow connection to db:5432", "ERROR connection lost");
        assertThat(events.get(0).getLevel()).isEqualTo(Level.DEBUG);
        assertThat(stderr).allSatisfy(line -> assertThat(LogLine.parse(line)).as(line).isPresent());
    }

    @Test
    void javaUtilLoggingRecordsReachTheHostAtTheirLevelFromTheFirstOnEvenWithoutAnSlf4jCall() {
        List<ILoggingEvent> events = run(plugin(JulOnlyPlugin.class, Map.of()), LibraryLoggingPlugin.JUL_LIBRARY);
        assertThat(levelsAndMessages(events)).as("info and above by default").containsExactly("WARN keep-alive disabled");
        assertThat(stderr).as("the plugin's stderr: JSON log lines only, no JUL console output")
                .isNotEmpty().allSatisfy(line -> assertThat(LogLine.parse(line)).as(line).isPresent());

        stderr.clear();
        events = run(plugin(JulOnlyPlugin.class, Map.of(OutpostServiceProvider.LEVEL_PROPERTY, "debug")),
                LibraryLoggingPlugin.JUL_LIBRARY);
        assertThat(levelsAndMessages(events)).containsExactly("DEBUG channel options applied", "WARN keep-alive disabled");
    }
}
