package dev.outpost.host;

import dev.outpost.PluginStartException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.outpost.fixtures.Hog;
import dev.outpost.fixtures.HogPlugin;
import dev.outpost.fixtures.Isolation;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.fixtures.TestJvm;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link Limits}: a cgroup per start, the open-files rlimit, the reason of a kill, and nothing left after. */
@ExtendWith(LeakCheck.class)
class LimitsTest {

    /** The test JVM's command for {@code main}, with a heap larger than any limit here: the kernel must act. */
    private static List<String> bigHeap(Class<?> main) {
        List<String> command = new ArrayList<>(TestJvm.of(main));
        command.addAll(1, List.of("-Xms8m", "-Xmx512m", "-XX:-UseContainerSupport"));
        return command;
    }

    /** The cgroup directories of plugin {@code name}, in every hierarchy. */
    private static List<Path> cgroupsOf(String name) throws IOException {
        CgroupMounts mounts = CgroupMounts.read();
        List<Path> found = new ArrayList<>();
        for (String controller : mounts.v2() ? List.of("") : List.of("memory", "cpu", "cpuacct", "pids")) {
            if (mounts.own(controller).isPresent()) {
                try (Stream<Path> children = Files.list(mounts.own(controller).get())) {
                    children.filter(dir -> dir.getFileName().toString().startsWith("outpost-" + name + "-"))
                            .forEach(found::add);
                }
            }
        }
        return found;
    }

    @Test
    void aPluginOverItsMemoryLimitIsKilledWithThatReasonAndItsCgroupGoes() throws Exception {
        Isolation.requireCgroups();
        String name = "hog-" + UUID.randomUUID().toString().substring(0, 6);
        ClientConfig config = ClientConfig.builder().name(name).handshake(ProbePlugin.HANDSHAKE)
                .command(bigHeap(HogPlugin.class)).plugin("hog", Hog.class)
                .limits(Limits.builder().memoryMB(128).processes(64).cpuPercent(150).openFiles(300).build())
                .build();
        try (PluginClient plugin = PluginClient.start(config)) {
            List<Path> cgroups = cgroupsOf(name);
            assertThat(cgroups).isNotEmpty();
            String limits = Files.readString(Path.of("/proc", Long.toString(plugin.pid()), "limits"));
            assertThat(limits).containsPattern("Max open files +300 +300 +files");
            String own = Files.readString(Path.of("/proc", Long.toString(plugin.pid()), "cgroup"));
            assertThat(own).contains("/outpost-" + name + "-");
            Hog hog = plugin.dispense("hog", Hog.class);
            assertThat(hog.allocate(10)).isEqualTo(10);
            assertThat(plugin.usage()).hasValueSatisfying(usage -> {
                assertThat(usage.memoryBytes()).isGreaterThan(10L * 1024 * 1024).isLessThan(128L * 1024 * 1024);
                assertThat(usage.cpuTime()).isPositive();
            });

            Throwable failure = catchThrowable(() -> hog.allocate(200));
            assertThat(failure).as("the call during which it was killed").hasMessageContaining("killed: memory limit 128 MB");
            PluginExit exit = plugin.onExit().get(30, TimeUnit.SECONDS);
            assertThat(exit.reason()).hasValue("killed: memory limit 128 MB");
            assertThat(exit.describe()).isEqualTo("killed: memory limit 128 MB (signal 9, SIGKILL)");
        }
        assertThat(cgroupsOf(name)).as("cgroups left").isEmpty();
    }

    @Test
    void limitsApplyInsideTheSandboxToo() throws Exception {
        Isolation.requireCgroups();
        Isolation.requireBubblewrap();
        String name = "boxed-" + UUID.randomUUID().toString().substring(0, 6);
        Sandbox.Builder sandbox = Sandbox.builder();
        for (String entry : TestJvm.classpath().split(File.pathSeparator)) {
            sandbox.readable(Path.of(entry));
        }
        ClientConfig config = ClientConfig.builder().name(name).handshake(ProbePlugin.HANDSHAKE)
                .command(TestJvm.of(ProbePlugin.class)).plugin("probe", Probe.plugin()).runner(sandbox.build())
                .limits(Limits.builder().memoryMB(256).build()).build();
        try (PluginClient plugin = PluginClient.start(config)) {
            assertThat(plugin.dispense("probe", Probe.Client.class).echo("boxed")).isEqualTo("boxed");
            ProcessHandle bwrap = ProcessHandle.of(plugin.pid()).orElseThrow();
            assertThat(bwrap.info().command()).hasValueSatisfying(command -> assertThat(command).endsWith("bwrap"));
            for (ProcessHandle inside : bwrap.descendants().toList()) {
                assertThat(Files.readString(Path.of("/proc", Long.toString(inside.pid()), "cgroup")))
                        .as("cgroups of %s", inside.info().commandLine().orElse("?")).contains("/outpost-" + name + "-");
            }
            assertThat(plugin.usage()).isPresent();
        }
        assertThat(cgroupsOf(name)).isEmpty();
    }

    @Test
    void withoutCgroupsAPluginWithMemoryOrCpuLimitsFailsToStartSayingWhy() {
        CgroupMounts none = new CgroupMounts(List.of(), List.of());
        assertThatThrownBy(() -> PluginCgroup.create("kv", Limits.builder().memoryMB(64).build(), none))
                .isInstanceOfSatisfying(PluginStartException.class, e -> {
                    assertThat(e.kind()).isEqualTo(PluginStartException.Kind.RUNNER_UNAVAILABLE);
                    assertThat(e.getMessage()).startsWith("plugin 'kv': cannot make a cgroup for its limits(memory 64 MB)")
                            .contains("the plugin is not started without them");
                });
    }

    @Test
    void outOfRangeLimitsAreRefusedNamingTheLimit() {
        assertThatThrownBy(() -> Limits.builder().memoryMB(-1)).hasMessage("\"memoryMB\" must be from 4 to 16777216, got -1");
        assertThatThrownBy(() -> Limits.builder().memoryMB(1L << 40)).hasMessageStartingWith("\"memoryMB\" must be from");
        assertThatThrownBy(() -> Limits.builder().processes(0)).hasMessageStartingWith("\"processes\" must be from 1");
        assertThatThrownBy(() -> Limits.builder().openFiles(3)).hasMessageStartingWith("\"openFiles\" must be from 16");
        assertThatThrownBy(() -> Limits.builder().cpuPercent(-50)).hasMessageStartingWith("\"cpuPercent\" must be from 1");
        assertThat(Limits.builder().openFiles(64).build().needsCgroup()).isFalse();
        assertThat(Limits.builder().openFiles(64).cpuPercent(20).build())
                .hasToString("limits(64 open files, 20% CPU)");
    }
}
