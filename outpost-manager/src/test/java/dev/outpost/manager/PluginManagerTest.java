package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.PluginCallException;
import dev.outpost.PluginUnavailableException;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.PluginStartException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The manager with real plugin processes. */
@ExtendWith(LeakCheck.class)
class PluginManagerTest extends ManagerTestSupport {

    @TempDir
    Path classData;

    private PluginManager.Builder builder() {
        return PluginManager.builder()
                .directory(dir)
                .classDataSharing(classData)
                .handshake(SensorPlugin.HANDSHAKE)
                .plugin("sensor", Sensor.class)
                .hostVersion("1.5.0")
                .manifestReader(client -> {
                    Sensor.Info info = client.dispense("sensor", Sensor.class).info();
                    return Optional.of(Manifest.of(info.id(), info.name(), info.version(), "tests"));
                })
                .restartPolicy(RestartPolicy.builder().initialDelay(Duration.ofMillis(50))
                        .maxDelay(Duration.ofMillis(200)).jitter(0.1).maxRestarts(20).window(Duration.ofMinutes(1))
                        .build());
    }

    @Test
    void discoversExecutablesJarsAndFoldersAndSkipsTheRest() throws Exception {
        PluginDirs.script(dir, "sensor-a.sh");
        PluginDirs.jar(dir, "sensor-jar.jar");
        PluginDirs.folder(dir, "folder", "{\"id\": \"sensor-folder\", \"name\": \"Folder sensor\", \"version\": \"2.1.0\","
                + " \"command\": " + PluginDirs.commandJson("--version", "2.1.0") + ", \"protocolVersions\": [1],"
                + " \"requires\": \">=1.0 <2.0\"}");
        Files.writeString(dir.resolve("README.md"), "not a plugin");
        Files.writeString(dir.resolve("notes.txt"), "not executable");
        PluginDirs.script(dir, ".hidden");
        Files.createDirectories(dir.resolve("empty-folder"));

        started(builder());

        assertThat(manager.plugins()).extracting(PluginInfo::id)
                .containsExactly("sensor-a", "sensor-folder", "sensor-jar");
        assertThat(manager.plugins()).allSatisfy(plugin -> assertThat(plugin.state()).isEqualTo(PluginState.RUNNING));
        assertThat(info("sensor-a").manifest()).hasValueSatisfying(m -> assertThat(m.version()).isEqualTo("1.0.0"));
        assertThat(info("sensor-folder").manifest()).hasValueSatisfying(m -> {
            assertThat(m.name()).isEqualTo("Folder sensor");
            assertThat(m.author()).as("filled in from the plugin").isEqualTo("tests");
        });
        assertThat(manager.dispense("sensor-folder", "sensor", Sensor.class).read()).isEqualTo("reading from 2.1.0");
        assertThat(manager.dispense("sensor-jar", "sensor", Sensor.class).read()).isEqualTo("reading from 1.0.0");
        assertThat(events.moves("sensor-a")).containsExactly("LOADING -> STARTING", "STARTING -> RUNNING");

        manager.close();
        // A jar plugin's first clean stop records its class data for the next start (see JavaCommand).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (var files = Files.list(classData)) {
                assertThat(files.map(file -> file.getFileName().toString())).singleElement()
                        .satisfies(name -> assertThat(name).startsWith("sensor-jar.jar-").endsWith(".jsa"));
            }
        });
    }

    @Test
    void eachBadManifestFailsOnlyItsPlugin() throws Exception {
        PluginDirs.script(dir, "good");
        PluginDirs.folder(dir, "broken-json", "{\"id\": \"x\",");
        PluginDirs.folder(dir, "no-id", "{\"name\": \"nameless\", \"command\": [\"true\"]}");
        PluginDirs.folder(dir, "wrong-type", "{\"id\": \"wrong-type\", \"command\": [\"true\"], \"protocolVersions\": \"one\"}");
        PluginDirs.folder(dir, "typo", "{\"id\": \"typo\", \"comand\": [\"true\"]}");
        PluginDirs.folder(dir, "future", "{\"id\": \"future\", \"command\": " + PluginDirs.commandJson()
                + ", \"protocolVersions\": [2, 3]}");
        PluginDirs.folder(dir, "too-new", "{\"id\": \"too-new\", \"command\": " + PluginDirs.commandJson()
                + ", \"requires\": \">=2.0.0\"}");
        Path folder = PluginDirs.folder(dir, "tampered", "{\"id\": \"tampered\", \"command\": [\"./run\"], \"sha256\": \""
                + "0".repeat(64) + "\"}");
        PluginDirs.script(folder, "run");

        started(builder());

        assertThat(info("good").state()).isEqualTo(PluginState.RUNNING);
        assertThat(reason("broken-json")).startsWith("invalid plugin.json: ").contains("line 1");
        assertThat(reason("no-id")).isEqualTo("plugin.json has no \"id\"");
        assertThat(reason("wrong-type")).startsWith("invalid plugin.json: ").contains("protocolVersions");
        assertThat(reason("typo")).startsWith("invalid plugin.json: ").contains("comand");
        assertThat(reason("future")).isEqualTo("speaks protocol versions [2, 3], but this host speaks [1]");
        assertThat(reason("too-new")).isEqualTo("requires host version >=2.0.0, but this host is 1.5.0");
        assertThat(reason("tampered")).startsWith("checksum mismatch for " + folder.resolve("run")
                + ": expected sha256 " + "0".repeat(64) + ", got ");
    }

    private String reason(String id) {
        PluginInfo plugin = manager.plugins().stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow();
        assertThat(plugin.state()).as(id).isEqualTo(PluginState.FAILED);
        return plugin.lastError().orElseThrow();
    }

    @Test
    void aGoodChecksumIsAccepted() throws Exception {
        Path folder = PluginDirs.folder(dir, "signed", "{}");
        Path run = PluginDirs.script(folder, "run", "exec " + PluginDirs.quote(
                dev.outpost.fixtures.TestJvm.of(SensorPlugin.class)));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(run)));
        Files.writeString(folder.resolve("plugin.json"), "{\"id\": \"signed\", \"command\": [\"./run\"], \"sha256\": \""
                + sha + "\"}");
        started(builder());
        assertThat(info("signed").state()).isEqualTo(PluginState.RUNNING);
    }

    @Test
    void aCrashIsSeenAtOnceAndThePluginRestartsWithItsManifest() throws Exception {
        PluginDirs.script(dir, "sensor");
        started(builder());
        PluginInfo before = info("sensor");
        long pid = before.pid().orElseThrow();
        Instant killed = Instant.now();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();

        PluginEvent crash = events.await("sensor", PluginState.CRASHED, 1);
        assertThat(Duration.between(killed, crash.at())).as("kill to CRASHED").isLessThan(Duration.ofSeconds(1));
        assertThat(crash.reason()).isEqualTo("process was killed by signal 9 (SIGKILL)");
        assertThat(crash.plugin().manifest()).as("manifest kept while down").isEqualTo(before.manifest());
        events.await("sensor", PluginState.RUNNING, 2);
        assertThat(events.moves("sensor")).containsExactly("LOADING -> STARTING", "STARTING -> RUNNING",
                "RUNNING -> CRASHED", "CRASHED -> RESTARTING", "RESTARTING -> STARTING", "STARTING -> RUNNING");
        PluginInfo after = info("sensor");
        assertThat(after.pid().orElseThrow()).isNotEqualTo(pid);
        assertThat(after.restarts()).isEqualTo(1);
        assertThat(after.lastExitCode()).hasValue(137);
        assertThat(after.manifest()).isEqualTo(before.manifest());
    }

    @Test
    void aPluginOverItsMessageLimitFailsThatCallAloneAndOthersKeepTheirs() throws Exception {
        PluginDirs.script(dir, "capped");
        PluginDirs.script(dir, "free");
        started(builder().maxMessageSize(4 << 20).maxMessageSize("capped", 1 << 20));
        Sensor capped = manager.dispense("capped", "sensor", Sensor.class);
        Sensor free = manager.dispense("free", "sensor", Sensor.class);

        assertThatThrownBy(() -> capped.sample(2 << 20)).isInstanceOf(PluginCallException.class)
                .hasMessageContaining("plugin 'capped'").hasMessageContaining("1048576");
        assertThat(capped.sample(1000)).hasSize(1000);
        assertThat(info("capped").state()).isEqualTo(PluginState.RUNNING);
        assertThat(free.sample(2 << 20)).hasSize(2 << 20);
        assertThatThrownBy(() -> free.sample(5 << 20)).isInstanceOf(PluginCallException.class)
                .hasMessageContaining("4194304");
    }

    @Test
    void givesUpAfterTooManyRestartsUntilRestartedByHand() throws Exception {
        PluginDirs.script(dir, "flaky", "echo 'cannot open device' >&2; exit 3");
        started(builder().restartPolicy(RestartPolicy.builder().initialDelay(Duration.ofMillis(10))
                .maxDelay(Duration.ofMillis(20)).jitter(0).maxRestarts(2).window(Duration.ofMinutes(1)).build()));
        events.await("flaky", PluginState.FAILED, 1);
        assertThat(events.moves("flaky")).containsExactly("LOADING -> STARTING", "STARTING -> CRASHED",
                "CRASHED -> RESTARTING", "RESTARTING -> STARTING", "STARTING -> CRASHED",
                "CRASHED -> RESTARTING", "RESTARTING -> STARTING", "STARTING -> CRASHED", "CRASHED -> FAILED");
        PluginInfo failed = info("flaky");
        assertThat(failed.lastError()).hasValueSatisfying(error -> assertThat(error)
                .contains("exited with status 3 before its handshake").contains("cannot open device"));
        assertThat(events.all().get(events.all().size() - 1).reason()).startsWith("gave up after 2 restarts");

        PluginDirs.script(dir, "flaky");
        manager.restart("flaky");
        assertThat(info("flaky").state()).isEqualTo(PluginState.RUNNING);
        assertThat(info("flaky").restarts()).isZero();
    }

    @Test
    void aStartFailureIsOneLineAndKeepsEveryLineOfStderrInTheTail() throws Exception {
        PluginDirs.script(dir, "noisy", "echo 'line one' >&2; echo 'line two' >&2; echo 'line three' >&2; exit 3");
        started(builder());

        PluginEvent crash = events.await("noisy", PluginState.CRASHED, 1);
        assertThat(crash.reason()).doesNotContain("\n").contains("exited with status 3 before its handshake")
                .doesNotContain("line one");
        assertThat(crash.toString()).matches("noisy STARTING -> CRASHED \\[[^\\n]+\\]");
        assertThat(crash.plugin().stderrTail()).containsExactly("line one", "line two", "line three");
        assertThat(crash.plugin().lastError()).hasValueSatisfying(error -> assertThat(error)
                .as("the whole error is kept").contains("exited with status 3").contains("line three"));
        assertThat(events.all()).allSatisfy(event -> assertThat(event.reason()).doesNotContain("\n"));
    }

    @Test
    void aStableHandleSurvivesACrashLoop() throws Exception {
        PluginDirs.script(dir, "sensor");
        started(builder());
        Sensor sensor = manager.dispense("sensor", "sensor", Sensor.class);
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            pids.add(sensor.pid());
            assertThatThrownBy(() -> sensor.crash(5)).isInstanceOf(PluginUnavailableException.class);
            assertThat(sensor.read()).as("waits for the restart").isEqualTo("reading from 1.0.0");
        }
        assertThat(pids).doesNotHaveDuplicates();
        assertThat(info("sensor").restarts()).isEqualTo(3);
    }

    @Test
    void callsToAStoppedPluginFailAtOnceWithTheState() throws Exception {
        PluginDirs.script(dir, "sensor");
        started(builder());
        Sensor sensor = manager.dispense("sensor", "sensor", Sensor.class);
        manager.stop("sensor");
        assertThat(info("sensor").state()).isEqualTo(PluginState.STOPPED);
        assertThatThrownBy(sensor::read).isInstanceOf(PluginUnavailableException.class)
                .hasMessage("plugin 'sensor' is STOPPED");
        manager.disable("sensor");
        assertThat(info("sensor").state()).isEqualTo(PluginState.DISABLED);
        manager.enable("sensor");
        assertThat(sensor.read()).isEqualTo("reading from 1.0.0");
        assertThat(events.moves("sensor")).containsSubsequence("RUNNING -> STOPPING", "STOPPING -> STOPPED",
                "STOPPED -> DISABLED", "DISABLED -> STARTING", "STARTING -> RUNNING");
    }

    @Test
    void aReloadUnderEightBusyThreadsFailsNoCall() throws Exception {
        PluginDirs.script(dir, "sensor", "--version", "1.0.0");
        started(builder());
        Sensor sensor = manager.dispense("sensor", "sensor", Sensor.class);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Thread caller = new Thread(() -> {
                while (running.get()) {
                    try {
                        assertThat(sensor.read()).startsWith("reading from ");
                        calls.incrementAndGet();
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }
            });
            caller.start();
            callers.add(caller);
        }
        await().until(() -> calls.get() > 100);
        long oldPid = info("sensor").pid().orElseThrow();
        PluginDirs.script(dir, "sensor", "--version", "2.0.0");
        manager.reload("sensor");
        int afterFirst = calls.get();
        await().until(() -> calls.get() > afterFirst + 100);
        PluginDirs.script(dir, "sensor", "--version", "3.0.0");
        manager.reload("sensor");
        await().until(() -> sensor.read().equals("reading from 3.0.0"));
        running.set(false);
        for (Thread caller : callers) {
            caller.join();
        }
        assertThat(failure.get()).as("a call failed during the reload").isNull();
        assertThat(ProcessHandle.of(oldPid).map(ProcessHandle::isAlive)).isIn(Optional.empty(), Optional.of(false));
        assertThat(info("sensor").manifest()).hasValueSatisfying(m -> assertThat(m.version()).isEqualTo("3.0.0"));
        assertThat(events.all()).filteredOn(e -> e.from() == PluginState.RUNNING && e.to() == PluginState.RUNNING)
                .extracting(e -> e.reason().replaceAll(", pid \\d+", ""))
                .containsExactly("reloaded 1.0.0 -> 2.0.0", "reloaded 2.0.0 -> 3.0.0");
    }

    @Test
    void aNewVersionThatCannotStartLeavesTheOldOneServing() throws Exception {
        PluginDirs.script(dir, "sensor");
        started(builder());
        Sensor sensor = manager.dispense("sensor", "sensor", Sensor.class);
        long pid = sensor.pid();
        PluginDirs.script(dir, "sensor", "echo 'missing library' >&2; exit 4");
        assertThatThrownBy(() -> manager.reload("sensor")).isInstanceOf(PluginStartException.class)
                .hasMessageContaining("not reloaded, the old version keeps running")
                .hasMessageContaining("exited with status 4").hasMessageContaining("missing library");
        assertThat(sensor.pid()).isEqualTo(pid);
        assertThat(info("sensor").state()).isEqualTo(PluginState.RUNNING);
    }

    @Test
    void watchingLoadsReloadsAndUnloads() throws Exception {
        started(builder().watch(true).settleTime(Duration.ofMillis(200)));
        assertThat(manager.plugins()).isEmpty();

        PluginDirs.script(dir, "late", "--version", "1.0.0");
        events.await("late", PluginState.RUNNING, 1);
        Sensor late = manager.dispense("late", "sensor", Sensor.class);
        assertThat(late.read()).isEqualTo("reading from 1.0.0");

        PluginDirs.script(dir, "late", "--version", "2.0.0");
        events.await("late", PluginState.RUNNING, 2);
        assertThat(late.read()).isEqualTo("reading from 2.0.0");

        long pid = info("late").pid().orElseThrow();
        Files.delete(dir.resolve("late"));
        await().until(() -> manager.plugin("late").isEmpty());
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isIn(Optional.empty(), Optional.of(false));
    }

    @Test
    void anEntryThatAppearsWhileThePluginsStartIsLoadedToo() throws Exception {
        // The first plugin, as it is launched (start() is still waiting for it), puts a second one in place.
        Path second = dir.resolve("second");
        PluginDirs.script(dir, "first", "[ -e '" + second + "' ] || { cp \"$0\" '" + dir.resolve(".second.tmp")
                + "' && mv '" + dir.resolve(".second.tmp") + "' '" + second + "'; }\nexec "
                + PluginDirs.quote(dev.outpost.fixtures.TestJvm.of(SensorPlugin.class)));
        started(builder().watch(true).settleTime(Duration.ofMillis(200)));
        assertThat(second).exists();
        events.await("second", PluginState.RUNNING, 1);
    }

    @Test
    void closeStopsTwentyPluginsInParallel() throws Exception {
        for (int i = 0; i < 20; i++) {
            PluginDirs.script(dir, String.format("sensor-%02d", i));
        }
        started(builder().healthChecks(Duration.ZERO, 1).startTimeout(Duration.ofSeconds(90)));
        assertThat(manager.plugins()).hasSize(20)
                .allSatisfy(plugin -> assertThat(plugin.state()).isEqualTo(PluginState.RUNNING));
        List<Long> pids = manager.plugins().stream().map(p -> p.pid().orElseThrow()).toList();
        long started = System.nanoTime();
        manager.close();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
                .isIn(Optional.empty(), Optional.of(false)));
        assertThat(manager.plugins()).allSatisfy(plugin -> assertThat(plugin.state()).isEqualTo(PluginState.STOPPED));
    }
}
