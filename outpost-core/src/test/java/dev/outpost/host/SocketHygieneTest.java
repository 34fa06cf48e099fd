package dev.outpost.host;

import dev.outpost.PluginStartException;
import static dev.outpost.fixtures.SocketGroups.groupOf;
import static dev.outpost.fixtures.SocketGroups.mode;
import static dev.outpost.fixtures.SocketGroups.modeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.fixtures.Gadget;
import dev.outpost.fixtures.GadgetPlugin;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.fixtures.SocketGroups;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.inprocess.InProcess;
import dev.outpost.plugin.ServeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Who can reach a plugin's sockets, where they are, and that nothing of them stays behind. */
@ExtendWith(LeakCheck.class)
class SocketHygieneTest {

    @TempDir
    Path base;

    private static ClientConfig.Builder probe() {
        return ClientConfig.builder().name("probe").handshake(ProbePlugin.HANDSHAKE)
                .command(TestJvm.of(ProbePlugin.class)).plugin("probe", Probe.plugin());
    }

    private static List<Path> entries(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
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
    void aSocketDirectoryHoldsThePluginsPrivateDirectoryUntilItStops() throws Exception {
        Path socket;
        try (PluginClient plugin = PluginClient.start(probe().unixSocketDir(base).build())) {
            socket = Path.of(plugin.handshake().address());
            assertThat(socket.getParent().getParent()).isEqualTo(base);
            assertThat(entries(base)).containsExactly(socket.getParent());
            assertThat(modeOf(socket.getParent())).isEqualTo(mode("rwx------"));
            assertThat(plugin.dispense("probe", Probe.Client.class).echo("inside")).isEqualTo("inside");
        }
        assertThat(socket).doesNotExist();
        assertThat(entries(base)).isEmpty();
    }

    @Test
    void aSocketDirectoryIsEmptiedAfterACrashToo() throws Exception {
        PluginClient plugin = PluginClient.start(probe().unixSocketDir(base).build());
        Probe.Client client = plugin.dispense("probe", Probe.Client.class);
        assertThatThrownBy(() -> client.die(3)).hasMessageContaining("exited with status 3");
        // Cleaned when the exit is seen, before (and without) close.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(entries(base)).isEmpty());
        plugin.close();
    }

    @Test
    void aSocketGroupOwnsTheDirectoryAndThePluginsSocket() {
        String group = SocketGroups.usable();
        try (PluginClient plugin = PluginClient.start(probe().unixSocketGroup(group).build())) {
            Path socket = Path.of(plugin.handshake().address());
            assertThat(groupOf(socket.getParent())).isEqualTo(group);
            assertThat(modeOf(socket.getParent())).isEqualTo(mode("rwxrwx---"));
            // Only the plugin could do this: it was told the group in PLUGIN_UNIX_SOCKET_GROUP.
            assertThat(groupOf(socket)).isEqualTo(group);
            assertThat(modeOf(socket)).isEqualTo(mode("rw-rw----"));
            assertThat(plugin.dispense("probe", Probe.Client.class).echo("group")).isEqualTo("group");
        }
    }

    @Test
    void everyBrokerSocketOfBothSidesGetsTheGroup() throws Exception {
        String group = SocketGroups.usable();
        ClientConfig config = ClientConfig.builder().name("gadget").handshake(GadgetPlugin.HANDSHAKE)
                .plugin("gadget", Gadget.class).unixSocketDir(base).unixSocketGroup(group).build();
        ServeConfig serve = ServeConfig.builder().handshake(GadgetPlugin.HANDSHAKE)
                .plugin("gadget", Gadget.class, new GadgetPlugin()).build();
        try (PluginClient plugin = InProcess.start(config, serve)) {
            Gadget gadget = plugin.dispense("gadget", Gadget.class);
            gadget.subscribe(event -> { });       // served by the host's broker
            gadget.listener().onEvent("hello");  // served by the plugin's broker
            Path dir = Path.of(plugin.handshake().address()).getParent();
            List<Path> sockets = entries(dir);
            assertThat(sockets).extracting(socket -> socket.getFileName().toString().replaceAll("\\d+", "N"))
                    .containsExactlyInAnyOrder("broker-N.sock", "host-N.sock", "plugin-N.sock");
            assertThat(sockets).allSatisfy(socket -> {
                assertThat(groupOf(socket)).as("group of %s", socket).isEqualTo(group);
                assertThat(modeOf(socket)).as("mode of %s", socket).isEqualTo(mode("rw-rw----"));
            });
        }
        assertThat(entries(base)).isEmpty();
    }

    @Test
    void withoutAGroupEverySocketIsTheUsersAlone() throws Exception {
        ClientConfig config = ClientConfig.builder().name("gadget").handshake(GadgetPlugin.HANDSHAKE)
                .plugin("gadget", Gadget.class).unixSocketDir(base).build();
        ServeConfig serve = ServeConfig.builder().handshake(GadgetPlugin.HANDSHAKE)
                .plugin("gadget", Gadget.class, new GadgetPlugin()).build();
        try (PluginClient plugin = InProcess.start(config, serve)) {
            Gadget gadget = plugin.dispense("gadget", Gadget.class);
            gadget.subscribe(event -> { });
            gadget.listener().onEvent("hello");
            Path dir = Path.of(plugin.handshake().address()).getParent();
            assertThat(entries(dir)).hasSize(3)
                    .allSatisfy(socket -> assertThat(modeOf(socket)).isEqualTo(mode("rw-------")));
        }
    }

    @Test
    void aMissingSocketDirectoryFailsTheStartNamingThePlugin() {
        Path missing = base.resolve("missing");
        assertThatThrownBy(() -> PluginClient.start(probe().unixSocketDir(missing).build()))
                .isInstanceOf(PluginStartException.class)
                .hasMessage("plugin 'probe': unixSocketDir " + missing + " does not exist; the plugin's socket "
                        + "directory is made inside it");
    }

    @Test
    void aFileAsSocketDirectoryFailsTheStart() throws Exception {
        Path file = Files.createFile(base.resolve("file"));
        assertThatThrownBy(() -> PluginClient.start(probe().unixSocketDir(file).build()))
                .isInstanceOf(PluginStartException.class)
                .hasMessageContaining("plugin 'probe': unixSocketDir " + file + " is not a directory");
    }

    @Test
    void anUnknownGroupFailsTheStartNamingThePlugin() throws Exception {
        assertThatThrownBy(() -> PluginClient.start(probe().unixSocketDir(base).unixSocketGroup("no-such-outpost-group")
                .build()))
                .isInstanceOf(PluginStartException.class)
                .hasMessage("plugin 'probe': unixSocketGroup \"no-such-outpost-group\" names no group of this system; "
                        + "expected a group name or a numeric gid");
        assertThat(entries(base)).isEmpty();
    }

    @Test
    void aSocketDirectoryTooLongForSocketPathsFailsTheStart() throws Exception {
        Path deep = base;
        while (deep.toString().length() < 90) {
            deep = deep.resolve("deeper");
        }
        Path dir = Files.createDirectories(deep);
        assertThatThrownBy(() -> PluginClient.start(probe().unixSocketDir(dir).build()))
                .isInstanceOf(PluginStartException.class)
                .hasMessageStartingWith("plugin 'probe': socket paths in " + dir + "/outpost-")
                .hasMessageEndingWith("would not fit in the 107 bytes of a Unix socket address; choose a shorter "
                        + "unixSocketDir than " + dir);
        assertThat(entries(dir)).isEmpty();
    }

    @Test
    void anInProcessPluginGetsTheSameChecks() {
        ServeConfig serve = ServeConfig.builder().handshake(ProbePlugin.HANDSHAKE).plugin("probe", Probe.plugin())
                .build();
        assertThatThrownBy(() -> InProcess.start(probe().unixSocketGroup("no-such-outpost-group").build(),
                serve))
                .isInstanceOf(PluginStartException.class)
                .hasMessageStartingWith("plugin 'probe' (in-process): unixSocketGroup \"no-such-outpost-group\"");
    }
}
