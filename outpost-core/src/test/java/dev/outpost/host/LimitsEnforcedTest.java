package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.outpost.PluginStartException;
import dev.outpost.fixtures.Isolation;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel enforces {@link Limits#processes()} and {@link Limits#cpuPercent()} on a plugin (cgroup v1 or
 * v2, whichever this machine has), and the cgroup v2 files are what the kernel's documentation says, in a
 * hierarchy made for the test (for machines, like this project's CI, that have only v1).
 */
@ExtendWith(LeakCheck.class)
class LimitsEnforcedTest {

    /** Starts {@code script} as a plugin with {@code limits}; it never prints a handshake. */
    private static PluginStartException startFails(String script, Limits limits, Path out) {
        ClientConfig.Builder config = ClientConfig.builder().name("limited-" + UUID.randomUUID().toString()
                .substring(0, 6)).handshake(ProbePlugin.HANDSHAKE).command("/bin/sh", "-c", script)
                .env(Map.of("OUT", out.toString())).startTimeout(Duration.ofSeconds(30))
                .plugin("probe", Probe.plugin());
        if (limits != null) {
            config.limits(limits);
        }
        Throwable failure = catchThrowable(() -> PluginClient.start(config.build()).close());
        assertThat(failure).isInstanceOf(PluginStartException.class);
        return (PluginStartException) failure;
    }

    @Test
    void aPluginCannotForkPastItsProcessLimit(@TempDir Path dir) throws Exception {
        Isolation.requireCgroups();
        Path out = dir.resolve("forked");
        // Each background sleep is a process of the plugin's; the shell records how many it made.
        String script = "i=0; while [ $i -lt 40 ]; do sleep 60 & i=$((i+1)); echo $i > \"$OUT\"; done; exit 3";

        PluginStartException failure = startFails(script, Limits.builder().processes(10).build(), out);

        assertThat(failure).isNotNull();
        assertThat(Integer.parseInt(Files.readString(out).trim())).as("processes the plugin started")
                .isPositive().isLessThan(10);
        assertThat(failure.getMessage()).contains("process limit 10 reached");
    }

    @Test
    void aPluginGetsNoMoreThanItsShareOfTheCpu(@TempDir Path dir) throws Exception {
        Isolation.requireCgroups();
        // A busy loop for one second of wall time; `times` then says how much CPU it had (children's user time).
        String script = "sh -c 'while :; do :; done' & pid=$!; sleep 1; kill $pid; wait $pid; times > \"$OUT\"; exit 3";
        Path unlimited = dir.resolve("unlimited");
        Path limited = dir.resolve("limited");

        assertThat(startFails(script, null, unlimited)).isNotNull();
        assertThat(startFails(script, Limits.builder().cpuPercent(10).build(), limited)).isNotNull();

        double free = childrenUserSeconds(unlimited);
        double capped = childrenUserSeconds(limited);
        Assumptions.assumeTrue(free >= 0.5, () -> "the machine gave an unlimited busy loop only " + free
                + " s of CPU in 1 s: too busy to tell a 10% limit");
        assertThat(capped).as("CPU seconds of the loop limited to 10%% (unlimited: %s)", free).isLessThan(0.3);
    }

    /** The children's user time of {@code times}' output, e.g. {@code 0m0.98s 0m0.00s} on its second line. */
    private static double childrenUserSeconds(Path out) throws Exception {
        List<String> lines = Files.readAllLines(out);
        String user = lines.get(1).trim().split("\\s+")[0];
        int m = user.indexOf('m');
        return Integer.parseInt(user.substring(0, m)) * 60
                + Double.parseDouble(user.substring(m + 1, user.length() - 1));
    }

    @Test
    void underCgroupV2TheLimitsGoWhereTheKernelReadsThem(@TempDir Path root) throws Exception {
        Path own = Files.createDirectories(root.resolve("app.slice"));
        Files.writeString(own.resolve("cgroup.subtree_control"), "memory cpu");
        CgroupMounts mounts = new CgroupMounts(List.of(new CgroupMounts.Mount(root, Path.of("/"), true,
                List.of("rw", "nsdelegate"))), List.of(new CgroupMounts.Group("0", List.of(), Path.of("/app.slice"))));
        assertThat(mounts.v2()).isTrue();
        Limits limits = Limits.builder().memoryMB(64).cpuPercent(50).processes(32).build();

        PluginCgroup cgroup = PluginCgroup.create("kv", limits, mounts);

        assertThat(Files.readString(own.resolve("cgroup.subtree_control"))).as("pids enabled for children")
                .isEqualTo("+pids");
        assertThat(cgroup.directories()).hasSize(1);
        Path dir = cgroup.directories().get(0);
        assertThat(dir.getParent()).isEqualTo(own);
        assertThat(dir.getFileName().toString()).startsWith("outpost-kv-");
        assertThat(Files.readString(dir.resolve("memory.max"))).isEqualTo(Long.toString(64L * 1024 * 1024));
        assertThat(Files.readString(dir.resolve("cpu.max"))).isEqualTo("50000 100000");
        assertThat(Files.readString(dir.resolve("pids.max"))).isEqualTo("32");
        assertThat(cgroup.procsFiles()).containsExactly(dir.resolve("cgroup.procs"));

        Files.writeString(dir.resolve("memory.current"), "1048576\n");
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n");
        assertThat(cgroup.usage()).hasValue(new ResourceUsage(1048576, Duration.ofMillis(2500)));
        assertThat(cgroup.exitReason()).isEmpty();
        Files.writeString(dir.resolve("pids.events"), "max 3\n");
        assertThat(cgroup.exitReason()).hasValue("process limit 32 reached");
        Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");
        assertThat(cgroup.exitReason()).hasValue("killed: memory limit 64 MB");
        // The kernel removes a cgroup's files with it; a plain directory needs them gone first.
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        cgroup.remove();
        assertThat(dir).doesNotExist();
    }
}
