package dev.outpost.host;

import dev.outpost.PluginStartException;
import dev.outpost.PluginUnavailableException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.outpost.fixtures.CapturedLogs;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A real Java plugin process, end to end. */
@ExtendWith(LeakCheck.class)
class PluginClientTest {

    private static ClientConfig.Builder probe(String... args) {
        return ClientConfig.builder()
                .name("probe")
                .handshake(ProbePlugin.HANDSHAKE)
                .command(TestJvm.of(ProbePlugin.class, args))
                .plugin("probe", Probe.plugin());
    }

    @Test
    void startsCallsAndStopsAPluginCleanly() {
        Path socket;
        PluginClient plugin = PluginClient.start(probe().build());
        try (plugin) {
            assertThat(plugin.negotiatedVersion()).isEqualTo(1);
            assertThat(plugin.exited()).isFalse();
            assertThat(ProcessHandle.of(plugin.pid())).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
            socket = Path.of(plugin.handshake().address());
            assertThat(socket).exists();
            assertThat(plugin.dispense("probe", Probe.Client.class).echo("héllo")).isEqualTo("héllo");
            plugin.ping();
        }
        assertThat(plugin.exited()).isTrue();
        assertThat(plugin.onExit().join().exitCode()).as("exit status after a shutdown request").isZero();
        assertThat(socket).doesNotExist();
        assertThat(socket.getParent()).doesNotExist();
        plugin.close(); // idempotent
    }

    @Test
    void negotiatesTheHighestCommonVersion() {
        ClientConfig config = ClientConfig.builder().name("probe").handshake(ProbePlugin.HANDSHAKE)
                .command(TestJvm.of(ProbePlugin.class, "--versions", "1,2,3"))
                .plugin(2, "probe", Probe.plugin())
                .plugin(3, "probe", Probe.plugin())
                .plugin(4, "probe", Probe.plugin())
                .build();
        try (PluginClient plugin = PluginClient.start(config)) {
            assertThat(plugin.negotiatedVersion()).isEqualTo(3);
            assertThat(plugin.dispense("probe", Probe.Client.class).echo("v3")).isEqualTo("v3");
        }
    }

    @Test
    void forwardsLogLinesAtTheirLevelAndStdioToTheSinks() {
        List<String> stdout = new CopyOnWriteArrayList<>();
        try (CapturedLogs logs = new CapturedLogs("outpost.plugin.probe");
             PluginClient plugin = PluginClient.start(probe().stdout(stdout::add).build())) {
            plugin.dispense("probe", Probe.Client.class).print("ping");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(stdout).contains("out: ping");
                assertThat(logs.lines()).contains("INFO outpost.plugin.probe: err: ping");
            });
            ILoggingEvent starting = logs.events().stream()
                    .filter(e -> e.getFormattedMessage().equals("probe starting")).findFirst().orElseThrow();
            assertThat(starting.getLevel()).isEqualTo(Level.WARN);
            assertThat(CapturedLogs.keyValues(starting)).containsEntry("flavour", "test").containsEntry("module", "probe");
        }
    }

    @Test
    void theSyncTapsGetExactlyWhatTheStdioServiceStreams() {
        List<String> stdout = new CopyOnWriteArrayList<>();
        List<String> syncStdout = new CopyOnWriteArrayList<>();
        List<String> syncStderr = new CopyOnWriteArrayList<>();
        try (CapturedLogs logs = new CapturedLogs("outpost.plugin.probe");
             PluginClient plugin = PluginClient.start(probe().stdout(stdout::add).syncStdout(syncStdout::add)
                     .syncStderr(syncStderr::add).build())) {
            Probe.Client client = plugin.dispense("probe", Probe.Client.class);
            client.print("streamed");      // System.out and System.err: the stdio service
            client.printPipes("piped");    // the real descriptors: the pipes
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(stdout).contains("out: streamed", "pipe-out: piped");
                assertThat(logs.lines()).contains("INFO outpost.plugin.probe: err: streamed",
                        "INFO outpost.plugin.probe: pipe-err: piped");
            });
            // Each tap is fed in the same step as the sink that just got the line.
            assertThat(syncStdout).containsExactly("out: streamed");
            assertThat(syncStderr).containsExactly("err: streamed");
        }
    }

    @Test
    void aFailingSyncTapDoesNotStopTheStream() {
        List<String> tapped = new CopyOnWriteArrayList<>();
        Consumer<String> failsOnce = line -> {
            if (tapped.add(line) && tapped.size() == 1) {
                throw new IllegalStateException("tap broken");
            }
        };
        try (PluginClient plugin = PluginClient.start(probe().syncStdout(failsOnce).build())) {
            Probe.Client client = plugin.dispense("probe", Probe.Client.class);
            client.print("first");
            client.print("second");
            // Had the stream ended, the plugin would have written the second line to its stdout pipe.
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(tapped).containsExactly("out: first", "out: second"));
        }
    }

    @Test
    void noiseBeforeTheHandshakeIsReportedAndSkipped() {
        try (CapturedLogs logs = new CapturedLogs("outpost.plugin.probe.stdout");
             PluginClient plugin = PluginClient.start(probe("--noise").build())) {
            assertThat(plugin.dispense("probe", Probe.Client.class).echo("still works")).isEqualTo("still works");
            assertThat(logs.lines()).containsExactly("WARN outpost.plugin.probe.stdout: plugin 'probe' printed on "
                    + "stdout before its handshake line: hello from the plugin's start-up code");
        }
    }

    @Test
    void aPluginDyingInACallFailsTheCallFastAndSaysHow() {
        try (PluginClient plugin = PluginClient.start(probe().build())) {
            Probe.Client client = plugin.dispense("probe", Probe.Client.class);
            long started = System.nanoTime();
            assertThatThrownBy(() -> client.die(7))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                        assertThat(e.getStatus().getDescription())
                                .isEqualTo("plugin 'probe' (pid " + plugin.pid()
                                        + ") exited with status 7 during outpost.test.Probe/Die");
                        assertThat(e.getStatus().getCause()).isInstanceOf(PluginUnavailableException.class);
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            assertThat(plugin.exited()).as("exited() right after the failed call").isTrue();
            assertThat(plugin.onExit().join().exitCode()).isEqualTo(7);
            assertThatThrownBy(plugin::ping).isInstanceOf(PluginUnavailableException.class)
                    .hasMessageContaining("exited with status 7");
        }
    }

    @Test
    void aHangingCallMeetsItsDeadlineAndThePluginSeesTheCancellation() {
        try (PluginClient plugin = PluginClient.start(probe().callTimeout(Duration.ofMillis(300)).build())) {
            Probe.Client client = plugin.dispense("probe", Probe.Client.class);
            assertThatThrownBy(() -> client.sleep(60_000))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                        assertThat(e.getStatus().getDescription())
                                .contains("plugin 'probe' did not answer outpost.test.Probe/Sleep in time");
                    });
            await().atMost(Duration.ofSeconds(5)).until(client::sleepWasCancelled);
            assertThat(plugin.exited()).isFalse();
        }
    }

    @Test
    void reattachesToARunningPlugin() {
        try (PluginClient first = PluginClient.start(probe().managed(false).build())) {
            ReattachConfig reattach = first.reattachConfig();
            assertThat(reattach.pid()).isEqualTo(first.pid());
            PluginClient second = PluginClient.reattach(probe().build(), reattach);
            assertThat(second.dispense("probe", Probe.Client.class).echo("again")).isEqualTo("again");
            second.close();
            await().atMost(Duration.ofSeconds(5)).until(first::exited);
            assertThat(first.onExit().join().exitCode()).isZero();
        }
    }

    @Test
    void reattachingToAMissingProcessFails() {
        ReattachConfig gone = new ReattachConfig(dev.outpost.Network.UNIX, "/nonexistent.sock",
                Long.MAX_VALUE / 2, 1);
        assertThatThrownBy(() -> PluginClient.reattach(probe().build(), gone))
                .isInstanceOf(PluginStartException.class)
                .hasMessageContaining("reattachment process " + gone.pid() + " not found");
    }

    /** A failed reattach says why and leaves the process alone: it is not this host's to stop. */
    @Test
    void aReattachThatFindsNoServerFailsAndLeavesTheProcessRunning() throws Exception {
        Process other = new ProcessBuilder("sleep", "600").start();
        try {
            ReattachConfig nobody = new ReattachConfig(dev.outpost.Network.UNIX, "/nonexistent/outpost.sock",
                    other.pid(), 1);
            assertThatThrownBy(() -> PluginClient.reattach(probe().build(), nobody))
                    .isInstanceOf(PluginStartException.class)
                    .hasMessageStartingWith("plugin 'probe' (reattached to pid " + other.pid() + ") listens at "
                            + "unix:/nonexistent/outpost.sock but does not answer its health check: UNAVAILABLE");
            assertThat(other.isAlive()).isTrue();
        } finally {
            other.destroyForcibly();
            other.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void dispensingAnUnknownPluginTypeNamesTheKnownOnes() {
        try (PluginClient plugin = PluginClient.start(probe().build())) {
            assertThatThrownBy(() -> plugin.dispense("nope", Object.class))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("plugin 'probe': unknown plugin type \"nope\" for protocol version 1 (known: [probe])");
            assertThatThrownBy(() -> plugin.dispense("probe", String.class)).isInstanceOf(ClassCastException.class);
        }
    }

    @Test
    void theSocketDirectoryIsPrivate() throws Exception {
        try (PluginClient plugin = PluginClient.start(probe().build())) {
            Path socket = Path.of(plugin.handshake().address());
            assertThat(Files.getPosixFilePermissions(socket.getParent()))
                    .containsExactlyInAnyOrderElementsOf(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            assertThat(Files.getPosixFilePermissions(socket))
                    .containsExactlyInAnyOrderElementsOf(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
    }
}
