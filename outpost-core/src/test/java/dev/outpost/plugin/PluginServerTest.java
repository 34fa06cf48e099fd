package dev.outpost.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.HandshakeLine;
import dev.outpost.Network;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.ProbeHost;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.fixtures.Running;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.internal.grpc.UnixSocketDir;
import dev.outpost.internal.wire.PluginEnv;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The plugin side's process-level duties: the cookie check and never outliving the host. */
@ExtendWith(LeakCheck.class)
class PluginServerTest {

    @Test
    void withoutTheCookieAPluginExplainsItselfAndExits() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(TestJvm.of(ProbePlugin.class));
        builder.environment().remove(ProbePlugin.HANDSHAKE.magicCookieKey());
        Process process = builder.start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEmpty();
        assertThat(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                .contains("This program is a plugin: a host application starts it and talks to it.\n");
    }

    @Test
    void aPluginWhoseHostIsKilledExitsAndRemovesItsSocket() throws Exception {
        Process host = startHost("wait");
        String[] announced = readAnnouncement(host);
        ProcessHandle plugin = ProcessHandle.of(Long.parseLong(announced[1])).orElseThrow();
        host.destroyForcibly(); // SIGKILL: no shutdown hook runs in the host
        assertThat(plugin.onExit().get(20, TimeUnit.SECONDS).isAlive()).isFalse();
        Path socket = Path.of(announced[2]);
        assertThat(socket).doesNotExist();
        // The socket directory is the host's: the plugin removes only its own sockets from it.
        assertThat(socket.getParent()).isEmptyDirectory();
        host.waitFor();
        // A SIGKILLed host that left its plugin to itself cannot remove its socket directory; clean it for LeakCheck.
        UnixSocketDir.deleteRecursively(socket.getParent());
    }

    @Test
    void aPluginStoppedWithSigtermRemovesTheSocketDirectoryItMade() throws Exception {
        // No PLUGIN_UNIX_SOCKET_DIR (go-plugin's hosts set none unless asked): the plugin makes its own.
        ProcessBuilder builder = new ProcessBuilder(TestJvm.of(ProbePlugin.class))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put(ProbePlugin.HANDSHAKE.magicCookieKey(), ProbePlugin.HANDSHAKE.magicCookieValue());
        builder.environment().put(PluginEnv.PROTOCOL_VERSIONS, "1");
        builder.environment().remove(PluginEnv.UNIX_SOCKET_DIR);
        Process plugin = builder.start();
        String line = new BufferedReader(new InputStreamReader(plugin.getInputStream(), StandardCharsets.UTF_8))
                .readLine();
        assertThat(line).as("handshake line").isNotNull();
        HandshakeLine handshake = HandshakeLine.parse(line);
        assertThat(handshake.network()).isEqualTo(Network.UNIX);
        Path socket = Path.of(handshake.address());
        assertThat(socket.getParent().getFileName().toString()).startsWith("outpost-");
        assertThat(socket).exists();
        plugin.destroy(); // SIGTERM
        assertThat(plugin.onExit().get(20, TimeUnit.SECONDS).isAlive()).isFalse();
        assertThat(socket.getParent()).doesNotExist();
    }

    @Test
    void aPluginStartedThroughAShellExitsWhenTheHostAboveTheShellIsKilled() throws Exception {
        Process host = startHost("wait-shell");
        String[] announced = readAnnouncement(host);
        ProcessHandle shell = ProcessHandle.of(Long.parseLong(announced[1])).orElseThrow();
        ProcessHandle plugin = shell.children().findFirst().orElseThrow();
        host.destroyForcibly();
        // The shell lives on, now an orphan itself: the plugin must look past it.
        assertThat(plugin.onExit().get(20, TimeUnit.SECONDS).isAlive()).isFalse();
        assertThat(shell.onExit().get(20, TimeUnit.SECONDS).isAlive()).isFalse();
        host.waitFor();
        UnixSocketDir.deleteRecursively(Path.of(announced[2]).getParent());
    }

    @Test
    void whenTheHostIsKilledWhatThePluginStartedGoesWithinASecondEvenInASessionOfItsOwn() throws Exception {
        Process host = startHost("wait-orphans");
        String[] announced = readAnnouncement(host);
        ProcessHandle plugin = ProcessHandle.of(Long.parseLong(announced[1])).orElseThrow();
        List<ProcessHandle> spawned = plugin.descendants().toList();
        assertThat(spawned).as("the plugin's sleep").isNotEmpty();
        host.destroyForcibly();
        host.onExit().get(20, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(spawned).noneMatch(Running::running));
        assertThat(plugin.onExit().get(20, TimeUnit.SECONDS).isAlive()).isFalse();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(Path.of(announced[2]).getParent())
                .doesNotExist());
    }

    @Test
    void aHostThatExitsWithoutClosingItsPluginStillStopsIt() throws Exception {
        Process host = startHost("exit");
        String[] announced = readAnnouncement(host);
        ProcessHandle plugin = ProcessHandle.of(Long.parseLong(announced[1])).orElse(null);
        assertThat(host.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(host.exitValue()).isZero();
        if (plugin != null) {
            // The shutdown hook has closed it before the host's exit completed.
            assertThat(plugin.isAlive()).isFalse();
        }
        assertThat(Path.of(announced[2]).getParent()).doesNotExist();
    }

    private static Process startHost(String mode) throws IOException {
        return new ProcessBuilder(TestJvm.of(ProbeHost.class, mode))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static String[] readAnnouncement(Process host) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.startsWith("PLUGIN ")) {
                return line.split(" ");
            }
        }
        throw new IllegalStateException("host ended without announcing its plugin; exit " + host.exitValue());
    }
}
