package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.wire.PluginEnv;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Who can reach a plugin's socket, and that nothing of it stays behind. */
@ExtendWith(LeakCheck.class)
class SocketHygieneTest {

    private static ClientConfig.Builder probe() {
        return ClientConfig.builder().name("probe").handshake(ProbePlugin.HANDSHAKE)
                .command(TestJvm.of(ProbePlugin.class)).plugin("probe", Probe.plugin());
    }

    @Test
    void theSocketAndDirectoryOfASigkilledPluginAreRemoved() {
        PluginClient plugin = PluginClient.start(probe().build());
        Path socket = Path.of(plugin.handshake().address());
        Path hostDir = socket.getParent();
        assertThat(socket).exists();
        assertThat(hostDir.getFileName().toString()).startsWith("outpost-");
        ProcessHandle.of(plugin.pid()).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(10)).until(plugin::exited);
        plugin.close();
        assertThat(plugin.onExit().join().describe()).contains("SIGKILL");
        assertThat(socket).doesNotExist();
        assertThat(hostDir).doesNotExist();
    }

    @Test
    void aSocketGroupMakesTheSocketGroupReadableAndWritable() throws Exception {
        String group = new String(new ProcessBuilder("id", "-gn").start().getInputStream().readAllBytes(),
                StandardCharsets.UTF_8).strip();
        try (PluginClient plugin = PluginClient.start(probe().env(PluginEnv.UNIX_SOCKET_GROUP, group).build())) {
            Path socket = Path.of(plugin.handshake().address());
            PosixFileAttributes attributes = Files.readAttributes(socket, PosixFileAttributes.class);
            assertThat(attributes.permissions()).containsExactlyInAnyOrderElementsOf(
                    PosixFilePermissions.fromString("rw-rw----"));
            assertThat(attributes.group().getName()).isEqualTo(group);
            assertThat(plugin.dispense("probe", Probe.Client.class).echo("group")).isEqualTo("group");
        }
    }
}
