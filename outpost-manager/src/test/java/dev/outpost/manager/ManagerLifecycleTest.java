package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.PluginUnavailableException;
import dev.outpost.fixtures.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A manager starts once and closes once, whichever threads call it and in whatever order. */
@ExtendWith(LeakCheck.class)
class ManagerLifecycleTest extends ManagerTestSupport {

    /** Outside the plugins directory: where slow plugins leave their pids. */
    @TempDir
    Path scratch;

    private PluginManager.Builder builder() {
        return PluginManager.builder().directory(dir).handshake(SensorPlugin.HANDSHAKE).plugin("sensor", Sensor.class);
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void aSecondStartIsRefusedAndReadsTheDirectoryNoMore() throws Exception {
        PluginDirs.script(dir, "first");
        started(builder());
        PluginDirs.script(dir, "second");

        assertThatThrownBy(manager::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("plugin manager already started");
        assertThat(manager.plugins()).extracting(PluginInfo::id).containsExactly("first");
        assertThat(info("first").state()).isEqualTo(PluginState.RUNNING);
    }

    @Test
    void aSecondStartOfAWatchingManagerWatchesNoMore() throws Exception {
        started(builder().watch(true).settleTime(Duration.ofMillis(100)));
        Set<Thread> watching = watchThreads();
        assertThat(watching).isNotEmpty();

        assertThatThrownBy(manager::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("plugin manager already started");
        assertThat(watchThreads()).as("no second watcher").isEqualTo(watching);
    }

    private static Set<Thread> watchThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals("outpost-watch") && thread.isAlive())
                .collect(Collectors.toSet());
    }

    @Test
    void aClosedManagerDoesNotStart() throws Exception {
        PluginDirs.script(dir, "sensor");
        manager = builder().listener(events).build();
        manager.close();

        assertThatThrownBy(manager::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("plugin manager is closed; cannot start");
        assertThat(manager.plugins()).as("the directory was not read").isEmpty();
        assertThat(events.all()).isEmpty();
    }

    @Test
    void aClosedManagerRefusesToDispenseOrToStartAPluginInAnyWay() throws Exception {
        PluginDirs.script(dir, "sensor");
        started(builder());
        Sensor before = manager.dispense("sensor", "sensor", Sensor.class);
        manager.close();

        assertClosed(() -> manager.dispense("sensor", "sensor", Sensor.class),
                "plugin manager is closed; cannot dispense from plugin 'sensor'");
        assertClosed(() -> manager.restart("sensor"), "plugin manager is closed; cannot restart plugin 'sensor'");
        assertClosed(() -> manager.reload("sensor"), "plugin manager is closed; cannot reload plugin 'sensor'");
        assertClosed(() -> manager.start("sensor"), "plugin manager is closed; cannot start plugin 'sensor'");
        assertClosed(() -> manager.enable("sensor"), "plugin manager is closed; cannot enable plugin 'sensor'");
        assertThat(info("sensor").state()).as("still told").isEqualTo(PluginState.STOPPED);
        assertThatThrownBy(before::read).isInstanceOf(PluginUnavailableException.class)
                .hasMessage("plugin 'sensor' is STOPPED");
    }

    private static void assertClosed(Runnable call, String message) {
        assertThatThrownBy(call::run).isInstanceOf(IllegalStateException.class).hasMessage(message);
    }

    @Test
    void aSecondCloseDoesNothing() throws Exception {
        PluginDirs.script(dir, "sensor");
        started(builder());
        long pid = info("sensor").pid().orElseThrow();
        manager.close();
        assertThat(alive(pid)).isFalse();
        List<PluginEvent> afterFirst = events.all();

        manager.close();
        assertThat(events.all()).isEqualTo(afterFirst);
        assertThat(events.moves("sensor")).containsExactly("LOADING -> STARTING", "STARTING -> RUNNING",
                "RUNNING -> STOPPING", "STOPPING -> STOPPED");
    }

    @Test
    void closesAtTheSameTimeAllReturnOnlyOnceEveryPluginIsStopped() throws Exception {
        List<String> ids = List.of("sensor-a", "sensor-b", "sensor-c");
        for (String id : ids) {
            PluginDirs.script(dir, id);
        }
        started(builder());
        List<Long> pids = ids.stream().map(id -> info(id).pid().orElseThrow()).toList();

        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<List<Long>>> closes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            CompletableFuture<List<Long>> close = new CompletableFuture<>();
            Thread closer = new Thread(() -> {
                try {
                    go.await();
                    manager.close();
                    // What this caller finds the moment its close returns.
                    close.complete(pids.stream().filter(ManagerLifecycleTest::alive).toList());
                } catch (Throwable e) {
                    close.completeExceptionally(e);
                }
            }, "closer-" + i);
            closer.start();
            closes.add(close);
        }
        go.countDown();

        for (CompletableFuture<List<Long>> close : closes) {
            assertThat(close.get(60, TimeUnit.SECONDS)).as("processes alive when a close returned").isEmpty();
        }
        for (String id : ids) {
            assertThat(info(id).state()).isEqualTo(PluginState.STOPPED);
            assertThat(events.moves(id)).as("stopped once").containsOnlyOnce("RUNNING -> STOPPING")
                    .endsWith("STOPPING -> STOPPED");
        }
    }

    @Test
    void aCloseWhilePluginsStartStopsThemAndTheStartSaysSo() throws Exception {
        // Each plugin leaves its pid and never shakes hands; only one may start at a time, so one is
        // launching and the other waits its turn when the close comes.
        for (String id : List.of("slow-a", "slow-b")) {
            PluginDirs.script(dir, id, "echo $$ > '" + scratch.resolve(id + ".pid") + "'; exec sleep 600");
        }
        manager = builder().listener(events).parallelStarts(1).startTimeout(Duration.ofSeconds(120)).build();
        CompletableFuture<Void> start = CompletableFuture.runAsync(manager::start);
        long pid = await().atMost(Duration.ofSeconds(30)).until(this::launchedPid, Optional::isPresent).orElseThrow();
        await().until(() -> manager.plugins().stream().allMatch(plugin -> plugin.state() == PluginState.STARTING));
        assertThat(alive(pid)).isTrue();

        long closing = System.nanoTime();
        manager.close();
        assertThat(Duration.ofNanos(System.nanoTime() - closing)).as("did not wait for the start timeout")
                .isLessThan(Duration.ofSeconds(60));
        assertThat(alive(pid)).as("the plugin being launched, once close returned").isFalse();
        assertThat(pidFiles()).as("the plugin waiting its turn was never launched").hasSize(1);

        assertThatThrownBy(() -> start.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IllegalStateException.class).hasMessage("plugin manager closed while starting");
        for (String id : List.of("slow-a", "slow-b")) {
            assertThat(info(id).state()).isEqualTo(PluginState.STOPPED);
            assertThat(events.moves(id)).as(id).containsExactly("LOADING -> STARTING", "STARTING -> STOPPING",
                    "STOPPING -> STOPPED");
        }
    }

    /** The pid the first plugin launched wrote, once it is written whole. */
    private Optional<Long> launchedPid() throws Exception {
        List<Path> files = pidFiles();
        if (files.isEmpty()) {
            return Optional.empty();
        }
        String written = Files.readString(files.get(0));
        return written.endsWith("\n") ? Optional.of(Long.parseLong(written.strip())) : Optional.empty();
    }

    private List<Path> pidFiles() throws Exception {
        try (var files = Files.list(scratch)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".pid")).toList();
        }
    }

    @Test
    void aPluginStartedByHandAfterTheCloseBeganDoesNotStart() throws Exception {
        PluginDirs.script(dir, "sensor");
        started(builder());
        manager.stop("sensor");
        manager.close();
        // A start that passed the manager's own check just before the close: the plugin does not launch.
        ManagedPlugin plugin = manager.require("sensor");
        plugin.start();
        assertThat(plugin.state()).isEqualTo(PluginState.STOPPED);
        assertThat(plugin.info().pid()).isEqualTo(java.util.OptionalLong.empty());
    }

    /** A new version of "sensor" that leaves its pid, then waits for {@code release} before it comes up. */
    private Path newVersionWaitingFor(Path release) throws Exception {
        return PluginDirs.script(dir, "sensor", "echo $$ > '" + scratch.resolve("new.pid") + "'\n"
                + "while [ ! -e '" + release + "' ]; do sleep 0.05; done\n"
                + "exec " + PluginDirs.quote(dev.outpost.fixtures.TestJvm.of(SensorPlugin.class, "--version", "2.0.0")));
    }

    @Test
    void aCloseDuringAReloadLeavesNeitherProcess() throws Exception {
        PluginDirs.script(dir, "sensor");
        started(builder().startTimeout(Duration.ofSeconds(120)));
        long old = info("sensor").pid().orElseThrow();
        newVersionWaitingFor(scratch.resolve("never"));
        CompletableFuture<Void> reload = CompletableFuture.runAsync(() -> manager.reload("sensor"));
        long fresh = await().atMost(Duration.ofSeconds(30)).until(this::launchedPid, Optional::isPresent).orElseThrow();

        manager.close();
        assertThat(alive(fresh)).as("the new version, being launched").isFalse();
        assertThat(alive(old)).as("the old version").isFalse();
        assertThatThrownBy(() -> reload.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IllegalStateException.class)
                .hasMessage("plugin 'sensor' not reloaded: the plugin manager is closing");
    }

    @Test
    void aStopDuringAReloadReturnsOnceTheNewProcessIsGoneToo() throws Exception {
        PluginDirs.script(dir, "sensor");
        started(builder());
        long old = info("sensor").pid().orElseThrow();
        Path release = scratch.resolve("release");
        newVersionWaitingFor(release);
        CompletableFuture<Void> reload = CompletableFuture.runAsync(() -> manager.reload("sensor"));
        long fresh = await().atMost(Duration.ofSeconds(30)).until(this::launchedPid, Optional::isPresent).orElseThrow();

        CompletableFuture<List<Long>> stop = new CompletableFuture<>();
        Thread stopper = new Thread(() -> {
            manager.stop("sensor");
            stop.complete(java.util.stream.Stream.of(old, fresh).filter(ManagerLifecycleTest::alive).toList());
        }, "stopper");
        stopper.start();
        await().until(() -> info("sensor").state() == PluginState.STOPPING
                && stopper.getState() == Thread.State.TIMED_WAITING);
        assertThat(stop).as("the stop waits for the new version's launch").isNotDone();

        Files.createFile(release);
        assertThat(stop.get(60, TimeUnit.SECONDS)).as("processes alive when the stop returned").isEmpty();
        assertThatThrownBy(() -> reload.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IllegalStateException.class).hasMessage("plugin 'sensor' stopped during the reload");
        assertThat(info("sensor").state()).isEqualTo(PluginState.STOPPED);
    }
}
