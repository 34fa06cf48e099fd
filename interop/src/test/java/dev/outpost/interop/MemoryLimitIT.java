package dev.outpost.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.PluginUnavailableException;
import dev.outpost.fixtures.Isolation;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.interop.soak.KvStore;
import dev.outpost.manager.PluginEvent;
import dev.outpost.manager.PluginManager;
import dev.outpost.manager.PluginState;
import dev.outpost.HandshakeConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code "limits": {"memoryMB": 64}} on the go-plugin v1.0 KV plugin, which takes 200 MiB when asked after
 * its handshake: it is CRASHED with the reason and restarted; the host and its other plugin go on.
 */
@ExtendWith(LeakCheck.class)
class MemoryLimitIT {

    private static final HandshakeConfig HANDSHAKE = HandshakeConfig.of(1, "BASIC_PLUGIN", "hello");

    @BeforeAll
    static void buildPeers() throws Exception {
        Peers.build();
        Isolation.requireCgroups();
    }

    private static List<Path> cgroupsOf(String id) throws Exception {
        try (Stream<Path> found = Files.find(Path.of("/sys/fs/cgroup"), 4,
                (path, attributes) -> attributes.isDirectory() && path.getFileName().toString().startsWith("outpost-" + id + "-"))) {
            return found.toList();
        }
    }

    @Test
    void aPluginOverItsMemoryLimitIsCrashedWithTheReasonAndRestartedAndTheHostGoesOn(@TempDir Path plugins)
            throws Exception {
        Path go = Files.createDirectories(plugins.resolve("go-kv"));
        Files.copy(Path.of(Peers.goPlugin()), go.resolve("go-kv-plugin"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.writeString(go.resolve("plugin.json"), "{\"id\": \"go-kv\", \"command\": [\"./go-kv-plugin\"], "
                + "\"env\": {\"KV_HOG_ON\": \"hog\"}, \"limits\": {\"memoryMB\": 64}}");
        Files.createSymbolicLink(plugins.resolve("python-kv"), Path.of(Peers.pythonPlugin()));
        List<PluginEvent> events = new CopyOnWriteArrayList<>();
        try (PluginManager manager = PluginManager.builder().directory(plugins).handshake(HANDSHAKE)
                .plugin("kv", KvStore.plugin()).listener(events::add).build()) {
            manager.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> manager.plugins().stream()
                    .allMatch(info -> info.state() == PluginState.RUNNING));
            long pythonPid = manager.plugin("python-kv").orElseThrow().pid().getAsLong();
            KvStore kv = manager.dispense("go-kv", "kv", KvStore.class);
            kv.put("a", "1".getBytes(StandardCharsets.UTF_8));
            assertThat(manager.plugin("go-kv").orElseThrow().usage()).hasValueSatisfying(usage ->
                    assertThat(usage.memoryBytes()).isPositive().isLessThan(64L * 1024 * 1024));
            assertThat(cgroupsOf("go-kv")).isNotEmpty();

            assertThatThrownBy(() -> kv.get("hog")).isInstanceOf(PluginUnavailableException.class);
            await().atMost(Duration.ofSeconds(60)).until(() -> events.stream()
                    .filter(event -> event.id().equals("go-kv") && event.to() == PluginState.RUNNING).count() == 2);
            PluginEvent crash = events.stream().filter(event -> event.to() == PluginState.CRASHED).findFirst()
                    .orElseThrow();
            assertThat(crash.id()).isEqualTo("go-kv");
            assertThat(crash.reason()).contains("memory").isEqualTo("process killed: memory limit 64 MB "
                    + "(signal 9, SIGKILL)");
            assertThat(events.stream().filter(event -> event.id().equals("go-kv"))
                    .map(event -> event.from() + " -> " + event.to()).toList())
                    .containsSubsequence("RUNNING -> CRASHED", "CRASHED -> RESTARTING", "RESTARTING -> STARTING",
                            "STARTING -> RUNNING");

            kv.put("b", "2".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(kv.get("b"), StandardCharsets.UTF_8)).isEqualTo("2");
            KvStore python = manager.dispense("python-kv", "kv", KvStore.class);
            python.put("c", "3".getBytes(StandardCharsets.UTF_8));
            assertThat(manager.plugin("python-kv").orElseThrow().pid()).hasValue(pythonPid);
            assertThat(manager.plugin("python-kv").orElseThrow().restarts()).isZero();
        }
        assertThat(cgroupsOf("go-kv")).as("cgroups left after the manager closed").isEmpty();
    }

    @Test
    void aHostKilledWithSigkillLeavesNoCgroup(@TempDir Path plugins) throws Exception {
        Path go = Files.createDirectories(plugins.resolve("limited"));
        Files.copy(Path.of(Peers.goPlugin()), go.resolve("go-kv-plugin"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.writeString(go.resolve("plugin.json"), "{\"id\": \"limited\", \"command\": [\"./go-kv-plugin\"], "
                + "\"limits\": {\"memoryMB\": 64, \"processes\": 64}}");
        OutpostRun run = OutpostRun.start(plugins);
        ProcessHandle plugin = ProcessHandle.of(run.awaitRunning(1).get(0)).orElseThrow();
        assertThat(cgroupsOf("limited")).isNotEmpty();
        run.process().destroyForcibly(); // SIGKILL: no shutdown hook; the guard is all there is
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(plugin.isAlive()).as("the plugin").isFalse();
            assertThat(cgroupsOf("limited")).as("its cgroups").isEmpty();
        });
    }
}
