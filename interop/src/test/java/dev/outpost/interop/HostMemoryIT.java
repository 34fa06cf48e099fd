package dev.outpost.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.LeakCheck;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launchers' small-heap defaults keep a host's memory bounded: an idle {@code outpost run} and a
 * plugin flooding stderr (85 MB, one line of 10 MB) leave the host JVM's resident memory far below what
 * the JVM's own defaults let it grow to on a big machine.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HostMemoryIT {

    private static final long IDLE_LIMIT_KB = 150 * 1024;
    private static final long FLOOD_LIMIT_KB = 300 * 1024;

    @BeforeAll
    static void peers() throws Exception {
        Peers.build();
    }

    /** A Go plugin that first writes 75 MB of base64 lines and one 10 MB line to stderr. */
    private static Path floodingPlugin(Path dir) throws Exception {
        Path script = dir.resolve("flood");
        Files.writeString(script, "#!/bin/sh\n"
                + "head -c 56000000 /dev/urandom | base64 -w 76 >&2\n"
                + "head -c 10000000 /dev/zero | tr '\\0' x >&2\n"
                + "echo >&2\n"
                + "exec " + Peers.goPlugin() + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private static long kilobytes(long pid, String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new AssertionError(field + " missing in /proc/" + pid + "/status");
    }

    @Test
    void javaKvHostStaysSmallThroughAPluginsStderrFlood(@TempDir Path dir) throws Exception {
        Path rss = dir.resolve("rss");
        // GNU time reports the largest resident size of the host (java-kv-host execs its JVM).
        Process host = new ProcessBuilder("/usr/bin/time", "-f", "%M", "-o", rss.toString(), Peers.javaHost(), "--",
                floodingPlugin(dir).toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(host.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(host.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("PASS kv: ");
        assertThat(Long.parseLong(Files.readString(rss).strip())).as("peak RSS of java-kv-host, kB")
                .isLessThan(FLOOD_LIMIT_KB);
    }

    @Test
    void anIdleOutpostRunStaysSmallAndSoThroughAPluginsStderrFlood(@TempDir Path dir) throws Exception {
        Path plugins = Files.createDirectory(dir.resolve("plugins"));
        Files.createSymbolicLink(plugins.resolve("go-kv"), Path.of(Peers.goPlugin()));
        Files.createSymbolicLink(plugins.resolve("java-kv"), Path.of(Peers.javaPlugin()));
        Files.createSymbolicLink(plugins.resolve("python-kv"), Path.of(Peers.pythonPlugin()));
        Process run = new ProcessBuilder(Peers.INTEROP.resolve("../outpost").normalize().toString(), "run",
                plugins.toString()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        BlockingQueue<String> out = lines(run);
        try {
            awaitRunning(out, List.of("go-kv", "java-kv", "python-kv"));
            assertThat(kilobytes(run.pid(), "VmRSS")).as("RSS of an idle outpost run, kB").isLessThan(IDLE_LIMIT_KB);

            // Renamed in: the directory watcher sees the whole script at once.
            Files.move(floodingPlugin(dir), plugins.resolve("flood"));
            // The flood is written before the handshake, through a pipe of 64 KiB: RUNNING means it was read.
            awaitRunning(out, List.of("flood"));
            assertThat(kilobytes(run.pid(), "VmHWM")).as("peak RSS of outpost run through the flood, kB")
                    .isLessThan(FLOOD_LIMIT_KB);
        } finally {
            run.destroy();
            run.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The lines {@code process} prints, read by a thread of their own. */
    private static BlockingQueue<String> lines(Process process) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                lines.add("<" + e + ">");
            }
        }, "outpost-run-output");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private static void awaitRunning(BlockingQueue<String> out, List<String> ids) throws Exception {
        List<String> waiting = new ArrayList<>(ids);
        List<String> seen = new ArrayList<>();
        Pattern running = Pattern.compile("^(\\S+) STARTING -> RUNNING \\[pid \\d+\\]$");
        while (!waiting.isEmpty()) {
            String line = out.poll(90, TimeUnit.SECONDS);
            assertThat(line).as("%s not RUNNING within 90 s; outpost run printed %s", waiting, seen).isNotNull();
            seen.add(line);
            Matcher matcher = running.matcher(line);
            if (matcher.matches()) {
                waiting.remove(matcher.group(1));
            }
        }
    }
}
