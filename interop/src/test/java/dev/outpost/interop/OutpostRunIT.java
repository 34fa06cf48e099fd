package dev.outpost.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Running;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code outpost run DIR} on a directory of Go, Python and Java plugins whose interface it does not know. */
@ExtendWith(LeakCheck.class)
class OutpostRunIT {

    @BeforeAll
    static void buildPeers() throws Exception {
        Peers.build();
    }

    private static void link(Path plugins, String name, String target) throws Exception {
        Files.createSymbolicLink(plugins.resolve(name), Path.of(target));
    }

    @Test
    void supervisesPluginsOfAnyLanguageAndStopsThemOnSigterm(@TempDir Path plugins) throws Exception {
        link(plugins, "go-kv", Peers.goPlugin());
        link(plugins, "java-kv", Peers.javaPlugin());
        link(plugins, "python-kv", Peers.pythonPlugin());
        OutpostRun started = OutpostRun.start(plugins);
        Process run = started.process();
        List<String> lines = started.lines();
        List<Long> pids = started.awaitRunning(3);
        Thread reader = started.reader();
        BlockingQueue<String> output = started.output();
        assertThat(lines).contains("go-kv LOADING -> STARTING", "java-kv LOADING -> STARTING",
                "python-kv LOADING -> STARTING");

        run.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its output
        assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
        reader.join(10_000);
        for (String line = output.poll(); line != null && !line.equals(OutpostRun.END); line = output.poll()) {
            lines.add(line);
        }
        assertThat(run.exitValue()).as("exit status; output: %s", lines).isZero();
        assertThat(lines).contains("outpost: stopping 3 plugins", "outpost: stopped",
                "go-kv STOPPING -> STOPPED [manager closing]", "java-kv STOPPING -> STOPPED [manager closing]",
                "python-kv STOPPING -> STOPPED [manager closing]");
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("plugin pid %d", pid)
                    .isIn(java.util.Optional.empty(), java.util.Optional.of(false));
        }
    }

    @Test
    void runsTheJavaPluginFromTheFolderOutpostMavenPluginPackaged() throws Exception {
        Path packaged = Peers.INTEROP.resolve("target/outpost");
        assertThat(packaged.resolve("java-kv/plugin.json")).isRegularFile();
        OutpostRun run = OutpostRun.start(packaged);
        long pid = run.awaitRunning(1).get(0);
        assertThat(run.lines()).contains("java-kv LOADING -> STARTING");
        assertThat(ProcessHandle.of(pid).flatMap(handle -> handle.info().command())).as("run with the host's own java")
                .hasValueSatisfying(command -> assertThat(command).endsWith("/bin/java"));

        run.process().toHandle().destroy();
        assertThat(run.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(run.process().exitValue()).as("exit status; output: %s", run.lines()).isZero();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isIn(java.util.Optional.empty(),
                java.util.Optional.of(false));
    }

    @Test
    void noPluginOfAnyLanguageOutlivesAHostKilledWithSigkill(@TempDir Path plugins) throws Exception {
        Peers.buildWithV18();
        link(plugins, "go-kv", Peers.goPlugin());
        link(plugins, "go18-kv", Peers.go18Plugin());
        link(plugins, "java-kv", Peers.javaPlugin());
        link(plugins, "python-kv", Peers.pythonPlugin());
        OutpostRun run = OutpostRun.start(plugins);
        List<ProcessHandle> started = run.awaitRunning(4).stream()
                .map(pid -> ProcessHandle.of(pid).orElseThrow()).toList();
        run.process().destroyForcibly(); // SIGKILL: no shutdown hook runs in the host
        run.process().waitFor(10, TimeUnit.SECONDS);
        // Go and Python plugins do not watch their host; the host's guard stops them.
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(started).as("plugins after their host was killed").noneMatch(Running::running));
    }
}
