package dev.outpost.plugin;

import static dev.outpost.fixtures.SocketGroups.gid;
import static dev.outpost.fixtures.SocketGroups.groupOf;
import static dev.outpost.fixtures.SocketGroups.mode;
import static dev.outpost.fixtures.SocketGroups.modeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.fixtures.SocketGroups;
import dev.outpost.internal.wire.PluginEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the plugin SDK makes its sockets: directly in the host's {@code PLUGIN_UNIX_SOCKET_DIR}, or in a
 * private directory of its own; with which mode and group; and what it removes.
 */
@ExtendWith(LeakCheck.class)
class PluginSocketsTest {

    @TempDir
    Path hostDir;

    private static ServeConfig probe() {
        return ServeConfig.builder().handshake(ProbePlugin.HANDSHAKE).plugin("probe", Probe.plugin()).build();
    }

    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put(PluginEnv.PROTOCOL_VERSIONS, "1");
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    private static List<Path> entries(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    @Test
    void inTheHostsDirectoryTheSocketIsMadeDirectlyAndOnlyItIsRemoved() throws Exception {
        Path hostFile = Files.createFile(hostDir.resolve("host-owned"));
        PluginServer server = PluginServer.start(probe(), env(PluginEnv.UNIX_SOCKET_DIR, hostDir.toString()));
        Path socket = Path.of(server.handshake().address());
        try {
            assertThat(socket.getParent()).isEqualTo(hostDir);
            assertThat(socket.getFileName().toString()).matches("plugin-\\d{10}\\.sock");
            assertThat(modeOf(socket)).isEqualTo(mode("rw-------"));
        } finally {
            server.close();
        }
        assertThat(socket).doesNotExist();
        assertThat(entries(hostDir)).containsExactly(hostFile);
    }

    @Test
    void pluginsSharingADirectoryGetSocketsOfTheirOwn() throws Exception {
        PluginServer first = PluginServer.start(probe(), env(PluginEnv.UNIX_SOCKET_DIR, hostDir.toString()));
        PluginServer second = PluginServer.start(probe(), env(PluginEnv.UNIX_SOCKET_DIR, hostDir.toString()));
        try {
            assertThat(first.handshake().address()).isNotEqualTo(second.handshake().address());
            assertThat(entries(hostDir)).hasSize(2);
        } finally {
            first.close();
        }
        assertThat(entries(hostDir)).containsExactly(Path.of(second.handshake().address()));
        second.close();
        assertThat(entries(hostDir)).isEmpty();
    }

    @Test
    void aGroupByNameOrGidMakesTheSocketTheGroupsAndGroupWritable() throws Exception {
        String group = SocketGroups.usable();
        for (String spec : List.of(group, Integer.toString(gid(group)))) {
            PluginServer server = PluginServer.start(probe(), env(PluginEnv.UNIX_SOCKET_DIR, hostDir.toString(),
                    PluginEnv.UNIX_SOCKET_GROUP, spec));
            try {
                Path socket = Path.of(server.handshake().address());
                assertThat(groupOf(socket)).as("group of the socket, given as %s", spec).isEqualTo(group);
                assertThat(modeOf(socket)).isEqualTo(mode("rw-rw----"));
                assertThat(modeOf(hostDir)).as("the host's directory is left as it is").isEqualTo(mode("rwx------"));
            } finally {
                server.close();
            }
        }
    }

    @Test
    void withoutTheHostsDirectoryThePluginMakesAPrivateOneAndRemovesIt() throws Exception {
        PluginServer server = PluginServer.start(probe(), env());
        Path socket = Path.of(server.handshake().address());
        try {
            Path own = socket.getParent();
            assertThat(own.getParent()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
            assertThat(own.getFileName().toString()).startsWith("outpost-");
            assertThat(modeOf(own)).isEqualTo(mode("rwx------"));
            assertThat(modeOf(socket)).isEqualTo(mode("rw-------"));
        } finally {
            server.close();
        }
        assertThat(socket.getParent()).doesNotExist();
    }

    @Test
    void withAGroupAndNoHostDirectoryThePrivateDirectoryIsTheGroupsToo() throws Exception {
        String group = SocketGroups.usable();
        PluginServer server = PluginServer.start(probe(), env(PluginEnv.UNIX_SOCKET_GROUP, group));
        Path socket = Path.of(server.handshake().address());
        try {
            assertThat(groupOf(socket.getParent())).isEqualTo(group);
            assertThat(modeOf(socket.getParent())).isEqualTo(mode("rwxrwx---"));
            assertThat(modeOf(socket)).isEqualTo(mode("rw-rw----"));
        } finally {
            server.close();
        }
        assertThat(socket.getParent()).doesNotExist();
    }

    @Test
    void anUnknownGroupIsRefusedNamingIt() throws Exception {
        assertThatThrownBy(() -> PluginServer.start(probe(), env(PluginEnv.UNIX_SOCKET_DIR, hostDir.toString(),
                PluginEnv.UNIX_SOCKET_GROUP, "no-such-outpost-group")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("PLUGIN_UNIX_SOCKET_GROUP=no-such-outpost-group names no group of this system; "
                        + "expected a group name or a numeric gid");
        assertThat(entries(hostDir)).isEmpty();
    }

    @Test
    void aMissingHostDirectoryIsRefusedNamingIt() {
        Path missing = hostDir.resolve("gone");
        assertThatThrownBy(() -> PluginServer.start(probe(), env(PluginEnv.UNIX_SOCKET_DIR, missing.toString())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("PLUGIN_UNIX_SOCKET_DIR=" + missing + " cannot hold the plugin's sockets: " + missing
                        + " does not exist");
    }

    @Test
    void aDirectoryTooLongForSocketPathsIsRefusedAndNothingIsLeft() throws Exception {
        Path deep = hostDir;
        while (deep.toString().length() < 100) {
            deep = deep.resolve("deeper");
        }
        Files.createDirectories(deep);
        Path dir = deep;
        assertThatThrownBy(() -> PluginServer.start(probe(), env(PluginEnv.UNIX_SOCKET_DIR, dir.toString())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("socket path " + dir + "/plugin-")
                .hasMessageContaining("longer than the 107 that fit in a Unix socket address; set "
                        + "PLUGIN_UNIX_SOCKET_DIR or TMPDIR to a shorter directory");
        assertThat(entries(dir)).isEmpty();
    }
}
