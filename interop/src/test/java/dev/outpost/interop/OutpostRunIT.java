package dev.outpost.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Running;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code outpost run DIR} on a directory of Go, Python and Java plugins whose interface it does not know. */
@ExtendWith(LeakCheck.class)
class OutpostRunIT {

    private static final String END = "<end of output>";

    @BeforeAll
    static void buildPeers() throws Exception {
        Peers.build();
    }

    /** {@code outpost run} on {@code plugins}, read line by line. */
    private record Run(Process process, BlockingQueue<String> output, Thread reader, List<String> lines) {
        static Run start(Path plugins) throws Exception {
            Process run = new ProcessBuilder(Peers.INTEROP.resolve("../outpost").normalize().toString(), "run",
                    plugins.toString()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            BlockingQueue<String> output = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(run.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        output.add(line);
                    }
                } catch (java.io.IOException e) {
                    output.add("<" + e + ">");
                }
                output.add(END);
            });
            reader.setDaemon(true);
            reader.start();
            return new Run(run, output, reader, new ArrayList<>());
        }

        /** The pids of the first {@code count} plugins to reach RUNNING. */
        List<Long> awaitRunning(int count) throws Exception {
            List<Long> pids = new ArrayList<>();
            Pattern running = Pattern.compile("^(\\S+) STARTING -> RUNNING \\[pid (\\d+)\\]$");
            while (pids.size() < count) {
                String line = output.poll(90, TimeUnit.SECONDS);
                if (line == null || line.equals(END)) {
                    process.destroy();
                    process.waitFor(30, TimeUnit.SECONDS);
                    throw new AssertionError(count + " plugins did not reach RUNNING; output: " + lines);
                }
                lines.add(line);
                Matcher matcher = running.matcher(line);
                if (matcher.matches()) {
                    pids.add(Long.parseLong(matcher.group(2)));
                }
            }
            return pids;
        }
    }

    private static void link(Path plugins, String name, String target) throws Exception {
        Files.createSymbolicLink(plugins.resolve(name), Path.of(target));
    }

    @Test
    void supervisesPluginsOfAnyLanguageAndStopsThemOnSigterm(@TempDir Path plugins) throws Exception {
        link(plugins, "go-kv", Peers.goPlugin());
        link(plugins, "java-kv", Peers.javaPlugin());
        link(plugins, "python-kv", Peers.pythonPlugin());
        Run started = Run.start(plugins);
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
        for (String line = output.poll(); line != null && !line.equals(END); line = output.poll()) {
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
    void noPluginOfAnyLanguageOutlivesAHostKilledWithSigkill(@TempDir Path plugins) throws Exception {
        Peers.buildWithV18();
        link(plugins, "go-kv", Peers.goPlugin());
        link(plugins, "go18-kv", Peers.go18Plugin());
        link(plugins, "java-kv", Peers.javaPlugin());
        link(plugins, "python-kv", Peers.pythonPlugin());
        Run run = Run.start(plugins);
        List<ProcessHandle> started = run.awaitRunning(4).stream()
                .map(pid -> ProcessHandle.of(pid).orElseThrow()).toList();
        run.process().destroyForcibly(); // SIGKILL: no shutdown hook runs in the host
        run.process().waitFor(10, TimeUnit.SECONDS);
        // Go and Python plugins do not watch their host; the host's guard stops them.
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(started).as("plugins after their host was killed").noneMatch(Running::running));
    }
}
