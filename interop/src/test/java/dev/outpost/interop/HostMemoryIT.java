package dev.outpost.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.LeakCheck;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
        OutpostRun run = OutpostRun.start(plugins);
        try {
            run.awaitRunning(List.of("go-kv", "java-kv", "python-kv"));
            assertThat(kilobytes(run.process().pid(), "VmRSS")).as("RSS of an idle outpost run, kB")
                    .isLessThan(IDLE_LIMIT_KB);

            // Renamed in: the directory watcher sees the whole script at once.
            Files.move(floodingPlugin(dir), plugins.resolve("flood"));
            // The flood is written before the handshake, through a pipe of 64 KiB: RUNNING means it was read.
            run.awaitRunning(List.of("flood"));
            assertThat(kilobytes(run.process().pid(), "VmHWM")).as("peak RSS of outpost run through the flood, kB")
                    .isLessThan(FLOOD_LIMIT_KB);
        } finally {
            run.process().destroy();
            run.process().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
