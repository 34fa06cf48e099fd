package dev.outpost.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.LeakCheck;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    @Test
    void supervisesPluginsOfAnyLanguageAndStopsThemOnSigterm(@TempDir Path plugins) throws Exception {
        Files.createSymbolicLink(plugins.resolve("go-kv"), Path.of(Peers.goPlugin()));
        Files.createSymbolicLink(plugins.resolve("java-kv"), Path.of(Peers.javaPlugin()));
        Files.createSymbolicLink(plugins.resolve("python-kv"), Path.of(Peers.pythonPlugin()));
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
        List<String> lines = new ArrayList<>();
        List<Long> pids = new ArrayList<>();
        Pattern running = Pattern.compile("^(\\S+) STARTING -> RUNNING \\[pid (\\d+)\\]$");
        while (pids.size() < 3) {
            String line = output.poll(90, TimeUnit.SECONDS);
            if (line == null || line.equals(END)) {
                run.destroy();
                run.waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError("three plugins did not reach RUNNING; output: " + lines);
            }
            lines.add(line);
            Matcher matcher = running.matcher(line);
            if (matcher.matches()) {
                pids.add(Long.parseLong(matcher.group(2)));
            }
        }
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
}
