package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.outpost.PluginUnavailableException;
import dev.outpost.host.PluginClient;
import dev.outpost.PluginStartException;
import dev.outpost.inprocess.InProcess;
import dev.outpost.internal.wire.proto.Empty;
import dev.outpost.internal.wire.proto.GRPCControllerGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One plugin's state machine, driven through a {@link FakeSupervisor}: launches are scripted (a failure,
 * or the sensor served in this JVM), so that every move runs in milliseconds and without a process.
 */
class ManagedPluginTest {

    @TempDir
    Path dir;

    private FakeSupervisor supervisor;
    private final List<String> hookSaw = new CopyOnWriteArrayList<>();

    private ManagedPlugin plugin(UnaryOperator<PluginManager.Builder> configure, Optional<String> error) {
        PluginManager.Builder builder = PluginManager.builder().directory(dir).handshake(SensorPlugin.HANDSHAKE)
                .plugin("sensor", Sensor.class).healthChecks(Duration.ZERO, 1).startTimeout(Duration.ofSeconds(60))
                .restartPolicy(RestartPolicy.builder().initialDelay(Duration.ofMillis(100)).maxDelay(Duration.ofSeconds(1))
                        .jitter(0).maxRestarts(2).window(Duration.ofMinutes(1)).build());
        supervisor = new FakeSupervisor(new ManagerSettings(configure.apply(builder)));
        return new ManagedPlugin(supervisor, new PluginSource("sensor", dir.resolve("sensor"),
                PluginSource.Kind.EXECUTABLE, Optional.empty(), List.of("/bin/true"), Optional.empty(), dir, Map.of(),
                Optional.empty(), error, "1"));
    }

    private ManagedPlugin plugin() {
        return plugin(builder -> builder, Optional.empty());
    }

    private static Optional<PluginClient> inThisJvm(dev.outpost.host.ClientConfig config) {
        return Optional.of(InProcess.start(config, SensorPlugin.serving("1.0.0")));
    }

    private static Optional<PluginClient> exits(dev.outpost.host.ClientConfig config) {
        throw new PluginStartException("sensor", "plugin 'sensor' exited with status 3 before its handshake", List.of(),
                null, PluginStartException.Kind.EXITED);
    }

    @AfterEach
    void close() throws InterruptedException {
        if (supervisor != null) {
            supervisor.close();
        }
    }

    @Test
    void aBadEntryFailsAtOnceAndAGoodOneNotToBeStartedIsStopped() throws InterruptedException {
        ManagedPlugin bad = plugin(builder -> builder, Optional.of("plugin.json has no \"id\""));
        bad.load(true);
        assertThat(supervisor.moves()).containsExactly("LOADING -> FAILED [plugin.json has no \"id\"]");
        supervisor.close();
        assertThat(bad.info().lastError()).hasValue("plugin.json has no \"id\"");

        ManagedPlugin good = plugin();
        good.load(false);
        assertThat(supervisor.moves()).containsExactly("LOADING -> STOPPED [loaded, not started]");
    }

    @Test
    void aCrashingStartIsRestartedAfterItsBackOffUntilThePolicyGivesUp() {
        ManagedPlugin plugin = plugin();
        supervisor.thenLaunch(ManagedPluginTest::exits).thenLaunch(ManagedPluginTest::exits)
                .thenLaunch(ManagedPluginTest::exits);
        plugin.start();
        assertThat(plugin.state()).isEqualTo(PluginState.RESTARTING);
        supervisor.runScheduled();
        supervisor.runScheduled();

        assertThat(supervisor.moves()).containsExactly("LOADING -> STARTING",
                "STARTING -> CRASHED [plugin 'sensor' exited with status 3 before its handshake]",
                "CRASHED -> RESTARTING [in 100 ms]", "RESTARTING -> STARTING [restart 1]",
                "STARTING -> CRASHED [plugin 'sensor' exited with status 3 before its handshake]",
                "CRASHED -> RESTARTING [in 200 ms]", "RESTARTING -> STARTING [restart 2]",
                "STARTING -> CRASHED [plugin 'sensor' exited with status 3 before its handshake]",
                "CRASHED -> FAILED [gave up after 2 restarts within PT1M; last error: plugin 'sensor' exited with"
                        + " status 3 before its handshake]");
        assertThat(supervisor.scheduled).extracting(FakeSupervisor.Scheduled::delay)
                .containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
        assertThat(plugin.info().restarts()).isEqualTo(2);
        assertThatThrownBy(() -> plugin.enter(Duration.ofSeconds(10))).isInstanceOf(PluginUnavailableException.class)
                .hasMessage("plugin 'sensor' is FAILED; last error: plugin 'sensor' exited with status 3 before its"
                        + " handshake");
    }

    @Test
    void aStartThatCannotSucceedFailsWithoutARestart() {
        ManagedPlugin plugin = plugin();
        supervisor.thenLaunch(config -> {
            throw new PluginStartException("sensor", "magic cookie mismatch?", List.of(), null,
                    PluginStartException.Kind.COOKIE_MISMATCH);
        });
        plugin.start();
        assertThat(supervisor.moves()).containsExactly("LOADING -> STARTING", "STARTING -> FAILED [magic cookie mismatch?]");
        assertThat(supervisor.scheduled).isEmpty();
    }

    @Test
    void anUnexpectedFailureOfTheLaunchIsACrashNotAPluginLeftStarting() {
        ManagedPlugin plugin = plugin();
        supervisor.thenLaunch(config -> {
            throw new UncheckedIOException("cannot connect to the plugin", new IOException("refused"));
        });
        plugin.start();
        assertThat(supervisor.moves()).containsExactly("LOADING -> STARTING",
                "STARTING -> CRASHED [cannot connect to the plugin]", "CRASHED -> RESTARTING [in 100 ms]");
    }

    @Test
    void aStartInterruptedWhileWaitingForALaunchSlotEndsStoppedAndLeavesNoLaunchBehind() {
        ManagedPlugin plugin = plugin();
        supervisor.thenLaunch(config -> {
            // What the launcher does: the thread keeps its interrupt.
            Thread.currentThread().interrupt();
            throw new Launcher.Interrupted(new InterruptedException());
        }).thenLaunch(ManagedPluginTest::inThisJvm);
        plugin.start();
        assertThat(Thread.interrupted()).as("the caller keeps its interrupt").isTrue();
        assertThat(supervisor.moves()).containsExactly("LOADING -> STARTING",
                "STARTING -> STOPPING [not started: interrupted while waiting for a launch slot]",
                "STOPPING -> STOPPED [not started: interrupted while waiting for a launch slot]");

        // A launch still counted would make the stop wait the whole start timeout (a minute) for it.
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> plugin.stop(PluginState.STOPPED, "stop requested"));
        plugin.start();
        assertThat(plugin.state()).isEqualTo(PluginState.RUNNING);
    }

    @Test
    void aClosingManagerStartsNothingAndItsCloseStopsAPluginCaughtStarting() {
        ManagedPlugin plugin = plugin();
        supervisor.thenLaunch(config -> Optional.empty());
        plugin.start();
        assertThat(plugin.state()).as("the close stops it").isEqualTo(PluginState.STARTING);
        supervisor.closing = true;
        plugin.stop(PluginState.STOPPED, "manager closing");
        plugin.start();
        assertThat(supervisor.moves()).containsExactly("LOADING -> STARTING", "STARTING -> STOPPING [manager closing]",
                "STOPPING -> STOPPED [manager closing]");
    }

    @Test
    void aStopForgetsTheScheduledRestart() {
        ManagedPlugin plugin = plugin();
        supervisor.thenLaunch(ManagedPluginTest::exits);
        plugin.start();
        assertThat(plugin.state()).isEqualTo(PluginState.RESTARTING);
        plugin.stop(PluginState.STOPPED, "stop requested");
        assertThat(supervisor.scheduled).singleElement().satisfies(restart ->
                assertThat(restart.future().isCancelled()).isTrue());
        assertThat(supervisor.moves()).endsWith("RESTARTING -> STOPPED [stop requested]");
    }

    @Test
    void theStartHookRunsOnTheNewProcessBeforeItServes() {
        ManagedPlugin[] self = new ManagedPlugin[1];
        self[0] = plugin(builder -> builder.onStart((id, client) -> {
            hookSaw.add(id + " " + self[0].state() + " " + client.dispense("sensor", Sensor.class).read());
        }), Optional.empty());
        supervisor.thenLaunch(ManagedPluginTest::inThisJvm);
        self[0].start();

        assertThat(hookSaw).containsExactly("sensor STARTING reading from 1.0.0");
        assertThat(supervisor.moves()).containsExactly("LOADING -> STARTING",
                "STARTING -> RUNNING [pid " + ProcessHandle.current().pid() + "]");
        Generation generation = self[0].enter(Duration.ZERO);
        try {
            assertThat(generation.client).isSameAs(supervisor.launched.get(0));
            assertThat(((Sensor) generation.dispense("sensor", Sensor.class)).read()).isEqualTo("reading from 1.0.0");
        } finally {
            self[0].exit(generation);
        }
        self[0].stop(PluginState.STOPPED, "stop requested");
        assertThat(generation.client.exited()).isTrue();
        assertThat(generation.retired()).isEqualTo("was stopped (stop requested)");
    }

    @Test
    void aStartHookThatThrowsCrashesThatStartAndClosesItsProcess() {
        ManagedPlugin plugin = plugin(builder -> builder.onStart((id, client) -> {
            throw new IllegalStateException("no configuration");
        }), Optional.empty());
        supervisor.thenLaunch(ManagedPluginTest::inThisJvm);
        plugin.start();
        assertThat(supervisor.moves()).containsExactly("LOADING -> STARTING", "STARTING -> CRASHED [start hook 1 of 1"
                + " failed on pid " + ProcessHandle.current().pid() + ": java.lang.IllegalStateException: no"
                + " configuration]", "CRASHED -> RESTARTING [in 100 ms]");
        assertThat(supervisor.launched).singleElement().satisfies(client -> assertThat(client.exited()).isTrue());
    }

    @Test
    void aDisabledPluginRefusesCallsUntilEnabled() {
        ManagedPlugin plugin = plugin();
        supervisor.thenLaunch(ManagedPluginTest::inThisJvm).thenLaunch(ManagedPluginTest::inThisJvm);
        plugin.start();
        plugin.stop(PluginState.DISABLED, "disabled");
        assertThatThrownBy(() -> plugin.enter(Duration.ofSeconds(10))).isInstanceOf(PluginUnavailableException.class)
                .hasMessage("plugin 'sensor' is DISABLED");
        plugin.enable();
        assertThat(supervisor.moves()).extracting(move -> move.replaceAll(" \\[.*", "")).containsExactly(
                "LOADING -> STARTING", "STARTING -> RUNNING", "RUNNING -> STOPPING", "STOPPING -> DISABLED",
                "DISABLED -> STARTING", "STARTING -> RUNNING");
        assertThat(supervisor.launched.get(0).exited()).isTrue();
    }

    @Test
    void aServingProcessThatEndsIsACrashAndACallSentBeforeItsEndIsNotMadeAgain() {
        ManagedPlugin plugin = plugin();
        supervisor.thenLaunch(ManagedPluginTest::inThisJvm);
        plugin.start();
        Generation serving = plugin.enter(Duration.ZERO);
        plugin.exit(serving);
        long sentBefore = System.nanoTime();

        // The plugin's own controller ends its server: for a plugin in this JVM, the end of its "process".
        GRPCControllerGrpc.newBlockingStub(serving.client.channel()).shutdown(Empty.getDefaultInstance());
        await().until(() -> plugin.state() == PluginState.RESTARTING);

        assertThat(supervisor.moves()).containsSubsequence("STARTING -> RUNNING [pid " + ProcessHandle.current().pid()
                + "]", "RUNNING -> CRASHED [process exited with status 0]", "CRASHED -> RESTARTING [in 100 ms]");
        assertThat(serving.retired()).isEqualTo("exited with status 0");
        PluginUnavailableException lost = new PluginUnavailableException("sensor", "Sensor.read failed: io exception");
        assertThat(LostCalls.outcome(plugin, serving, sentBefore, "Sensor.read", lost))
                .isInstanceOf(PluginUnavailableException.class).hasCause(lost)
                .hasMessage("plugin 'sensor' (pid " + ProcessHandle.current().pid() + ") exited with status 0 during"
                        + " Sensor.read; the call may have reached it, so it was not made again; the plugin is RESTARTING");
        assertThat(LostCalls.outcome(plugin, serving, System.nanoTime(), "Sensor.read", lost))
                .as("sent after its end was seen: made again on the next process").isNull();
    }

    @Test
    void aReloadSwapsInANewProcessThroughTheHookAndStopsTheOld() {
        ManagedPlugin[] self = new ManagedPlugin[1];
        self[0] = plugin(builder -> builder.onStart((id, client) -> hookSaw.add(self[0].state() + " " + client.pid())),
                Optional.empty());
        supervisor.thenLaunch(ManagedPluginTest::inThisJvm).thenLaunch(ManagedPluginTest::inThisJvm);
        self[0].start();
        Generation old = self[0].enter(Duration.ZERO);
        self[0].exit(old);

        self[0].reload(self[0].source());

        long pid = ProcessHandle.current().pid();
        assertThat(supervisor.moves()).containsExactly("LOADING -> STARTING", "STARTING -> RUNNING [pid " + pid + "]",
                "RUNNING -> RUNNING [reloaded ? -> ?, pid " + pid + "]");
        assertThat(hookSaw).containsExactly("STARTING " + pid, "RUNNING " + pid);
        assertThat(old.client.exited()).isTrue();
        assertThat(old.retired()).isEqualTo("was replaced by a reload (calls on it had 10000 ms to finish)");
        Generation fresh = self[0].enter(Duration.ZERO);
        self[0].exit(fresh);
        assertThat(fresh.client).isSameAs(supervisor.launched.get(1));
    }

    @Test
    void aFailedPluginRestartedByHandStartsAfreshWithItsRestartsForgotten() {
        ManagedPlugin plugin = plugin();
        supervisor.thenLaunch(ManagedPluginTest::exits).thenLaunch(ManagedPluginTest::exits)
                .thenLaunch(ManagedPluginTest::exits).thenLaunch(ManagedPluginTest::inThisJvm);
        plugin.start();
        supervisor.runScheduled();
        supervisor.runScheduled();
        assertThat(plugin.state()).isEqualTo(PluginState.FAILED);

        plugin.restartByHand();

        assertThat(supervisor.moves()).endsWith("CRASHED -> FAILED [gave up after 2 restarts within PT1M; last error:"
                + " plugin 'sensor' exited with status 3 before its handshake]", "FAILED -> STOPPED [restart requested]",
                "STOPPED -> STARTING", "STARTING -> RUNNING [pid " + ProcessHandle.current().pid() + "]");
        assertThat(plugin.info().restarts()).isZero();
    }
}
