package dev.outpost.host;

import dev.outpost.PluginStartException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.outpost.fixtures.FloodPlugin;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.fixtures.SilentPlugin;
import dev.outpost.fixtures.StubbornPlugin;
import dev.outpost.fixtures.TestJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Plugins that flood, hide children, refuse to stop or never answer: the host stays in control. */
@ExtendWith(LeakCheck.class)
class HostilePluginTest {

    /** The flood tests' output is not worth logging. */
    private static final String QUIET_LOGGER = "outpost.test.hostile";

    @BeforeAll
    static void quiet() {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(QUIET_LOGGER)).setLevel(Level.OFF);
    }

    @AfterAll
    static void loud() {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(QUIET_LOGGER)).setLevel(null);
    }

    private static ClientConfig.Builder config(List<String> command) {
        return ClientConfig.builder().name("hostile").handshake(ProbePlugin.HANDSHAKE).command(command)
                .loggerName(QUIET_LOGGER).plugin("probe", Probe.plugin());
    }

    @Test
    void aFloodOfOutputBeforeTheHandshakeEndsInABoundedStartFailure() {
        // 120 MB on stdout and 60 MB on stderr, then silence: the host must drain both and time out.
        String script = "(yes 'stderr noise stderr noise stderr noise' | head -c 60000000 >&2) & "
                + "yes 'stdout noise stdout noise stdout noise' | head -c 120000000; wait; exec sleep 600";
        ClientConfig config = config(List.of("sh", "-c", script)).startTimeout(Duration.ofSeconds(20)).build();
        long started = System.nanoTime();
        PluginStartException failure = catchThrowableOfType(PluginStartException.class,
                () -> PluginClient.start(config));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(40));
        assertThat(failure).hasMessageContaining("did not print its handshake line within 20000 ms")
                .hasMessageContaining("  > stdout noise")
                .hasMessageMatching("(?s).*\\(and \\d{4,} more lines\\).*");
        assertThat(failure.getMessage().length()).as("message size").isLessThan(20_000);
        assertThat(failure.stderrTail()).hasSizeLessThanOrEqualTo(PluginOutput.TAIL_LINES)
                .allSatisfy(line -> assertThat(line).startsWith("stderr noise"));
    }

    @Test
    void aPluginFloodingStdoutAfterItsHandshakeStillAnswers() {
        AtomicLong lines = new AtomicLong();
        try (PluginClient plugin = PluginClient.start(config(TestJvm.of(FloodPlugin.class))
                .stdout(line -> lines.incrementAndGet()).build())) {
            Probe.Client probe = plugin.dispense("probe", Probe.Client.class);
            await().atMost(Duration.ofSeconds(20)).until(() -> lines.get() > 50_000);
            for (int i = 0; i < 20; i++) {
                long started = System.nanoTime();
                plugin.ping();
                assertThat(probe.echo("still here " + i)).isEqualTo("still here " + i);
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
            }
            long before = lines.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> lines.get() > before + 10_000);
        }
    }

    @Test
    void aChildLeftBehindByAPluginThatExitedIsKilled(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("child.pid");
        ClientConfig config = config(List.of("sh", "-c", "sleep 600 & echo $! > '" + pidFile + "'; exit 3"))
                .startTimeout(Duration.ofSeconds(30)).build();
        long started = System.nanoTime();
        assertThatThrownBy(() -> PluginClient.start(config)).isInstanceOf(PluginStartException.class)
                .hasMessageContaining("exited with status 3 before its handshake");
        // The orphaned child keeps the stdout pipe open: the exit, not the end of stdout, must end the wait.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
        long child = Long.parseLong(Files.readString(pidFile).strip());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> ProcessHandle.of(child).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void aPluginThatIgnoresShutdownAndSigtermIsKilled() {
        PluginClient plugin = PluginClient.start(config(TestJvm.of(StubbornPlugin.class))
                .gracefulTimeout(Duration.ofMillis(500)).build());
        assertThat(plugin.dispense("probe", Probe.Client.class).echo("hi")).isEqualTo("hi");
        long started = System.nanoTime();
        plugin.close();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(plugin.exited()).isTrue();
        assertThat(plugin.onExit().join().describe()).contains("SIGKILL");
        assertThat(took).as("shutdown request, SIGTERM, then SIGKILL").isBetween(Duration.ofMillis(1000),
                Duration.ofSeconds(10));
    }

    @Test
    void aPluginThatListensButNeverAnswersFailsItsHealthCheck() {
        ClientConfig config = config(TestJvm.of(SilentPlugin.class)).startTimeout(Duration.ofSeconds(3)).build();
        long started = System.nanoTime();
        assertThatThrownBy(() -> PluginClient.start(config)).isInstanceOf(PluginStartException.class)
                .hasMessageContaining("plugin 'hostile'")
                .hasMessageContaining("does not answer its health check: DEADLINE_EXCEEDED");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
    }
}
