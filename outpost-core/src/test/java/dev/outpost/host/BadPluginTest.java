package dev.outpost.host;

import dev.outpost.PluginStartException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.fixtures.CrashingPlugin;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.fixtures.TestJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Plugins that cannot start: each failure is a {@link PluginStartException} that names the plugin
 * and the problem, arrives without waiting for the start timeout unless the plugin really is silent,
 * and leaves no process behind ({@link LeakCheck}).
 */
@ExtendWith(LeakCheck.class)
class BadPluginTest {

    private static ClientConfig.Builder shell(String script) {
        return ClientConfig.builder()
                .name("bad")
                .handshake(ProbePlugin.HANDSHAKE)
                .command("sh", "-c", script)
                .startTimeout(Duration.ofSeconds(20))
                .plugin("probe", Probe.plugin());
    }

    private static PluginStartException startFails(ClientConfig config) {
        long started = System.nanoTime();
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> PluginClient.start(config).close());
        assertThat(thrown).isInstanceOf(PluginStartException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("failure time")
                .isLessThan(config.startTimeout());
        PluginStartException failure = (PluginStartException) thrown;
        assertThat(failure.pluginName()).isEqualTo(config.name());
        return failure;
    }

    @Test
    void aMissingCommand() {
        ClientConfig config = ClientConfig.builder().handshake(ProbePlugin.HANDSHAKE)
                .command("/nonexistent/outpost-plugin").plugin("probe", Probe.plugin()).build();
        assertThat(startFails(config)).hasMessage("plugin 'outpost-plugin': cannot launch "
                + "[/nonexistent/outpost-plugin]: error=2, No such file or directory");
    }

    @Test
    void aCommandThatIsNotExecutable(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("not-executable"), "#!/bin/sh\n");
        ClientConfig config = ClientConfig.builder().handshake(ProbePlugin.HANDSHAKE)
                .command(file.toString()).plugin("probe", Probe.plugin()).build();
        assertThat(startFails(config)).hasMessageContaining("plugin 'not-executable': cannot launch")
                .hasMessageContaining("Permission denied");
    }

    @Test
    void aPluginThatExitsBeforeItsHandshakeWithItsStderr() {
        PluginStartException failure = startFails(shell("echo 'config file missing' >&2; exit 3").build());
        assertThat(failure).hasMessageContaining("plugin 'bad' (sh -c echo 'config file missing' >&2; exit 3)")
                .hasMessageContaining("exited with status 3 before its handshake")
                .hasMessageContaining("| config file missing");
        assertThat(failure.stderrTail()).containsExactly("config file missing");
    }

    @Test
    void aJavaPluginThatThrowsInMainIsQuotedByItsExceptionAndCausesNotOnlyItsLastFrames() {
        ClientConfig config = ClientConfig.builder().name("crashing").handshake(ProbePlugin.HANDSHAKE)
                .command(TestJvm.of(CrashingPlugin.class)).startTimeout(Duration.ofSeconds(30))
                .plugin("probe", Probe.plugin()).build();
        PluginStartException failure = startFails(config);
        assertThat(failure.kind()).isEqualTo(PluginStartException.Kind.EXITED);
        assertThat(failure.stderrTail()).as("the trace is longer than the tail: its last lines are frames")
                .hasSize(PluginOutput.TAIL_LINES).noneMatch(line -> line.contains("Exception"));
        assertThat(failure).hasMessageContaining("exited with status 1 before its handshake")
                .hasMessageContaining("the exception on its stderr, above the last lines:\n"
                        + "  | Exception in thread \"main\" java.lang.IllegalStateException: cannot open the plugin's store\n"
                        + "  | Caused by: java.io.UncheckedIOException: store not readable\n"
                        + "  | Caused by: java.io.IOException: /var/lib/crashing/store.db: Permission denied\n"
                        + "last lines of the plugin's stderr:");
    }

    @Test
    void aPluginThatNeverPrintsItsHandshakeTimesOutAndIsKilled() {
        ClientConfig config = shell("echo starting >&2; exec sleep 600").startTimeout(Duration.ofMillis(800)).build();
        long started = System.nanoTime();
        assertThatThrownBy(() -> PluginClient.start(config))
                .isInstanceOf(PluginStartException.class)
                .hasMessageContaining("did not print its handshake line within 800 ms")
                .hasMessageContaining("| starting");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void anEmptyLineIsNotAHandshake() {
        assertThat(startFails(shell("echo; exit 0").build()))
                .hasMessageContaining("exited with status 0 before its handshake")
                .hasMessageContaining("it printed on stdout instead of a handshake:\n  > ");
    }

    @Test
    void noiseWithoutAHandshakeIsQuoted() {
        ClientConfig config = shell("echo 'Welcome to my plugin!'; exec sleep 600")
                .startTimeout(Duration.ofMillis(800)).build();
        assertThatThrownBy(() -> PluginClient.start(config))
                .isInstanceOf(PluginStartException.class)
                .hasMessageContaining("did not print its handshake line within 800 ms")
                .hasMessageContaining("  > Welcome to my plugin!");
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "1|garbage;printed an invalid handshake: unrecognized handshake line \"1|garbage\"",
            "1|1|unix;got 3 fields",
            "3|1|unix|/tmp/x.sock|grpc|;incompatible core protocol version 3 (expected 1)",
            "1|7|unix|/tmp/x.sock|grpc|;speaks protocol version 7, but the host speaks [1]",
            "1|1|pipe|/tmp/x.sock|grpc|;unknown network \"pipe\"",
            "1|1|unix|/tmp/x.sock|netrpc|;speaks netrpc (Go's net/rpc), which Outpost does not support",
            "1|1|unix|/tmp/x.sock;speaks netrpc",
            "1|1|unix|/tmp/x.sock|thrift|;speaks unsupported protocol \"thrift\"; Outpost supports [grpc]",
            "1|1|unix|/tmp/x.sock|grpc||true;answered gRPC broker multiplexing (a 7th handshake field), which the host did not ask for",
            "1|1|unix|/nonexistent/outpost.sock|grpc|;listens at unix:/nonexistent/outpost.sock but does not answer its health check: UNAVAILABLE"})
    void invalidOrIncompatibleHandshakes(String line, String message) {
        PluginStartException failure = startFails(shell("echo '" + line + "'; exec sleep 600").build());
        assertThat(failure).hasMessageStartingWith("plugin 'bad' (")
                .hasMessageContaining(message);
    }
}
