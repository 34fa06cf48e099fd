package dev.outpost.host;

import dev.outpost.PluginStartException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refused or killed plugin cannot remove its socket; the host removes it, when the plugin made it as
 * go-plugin before 1.5 does ({@code plugin<digits>} in its TMPDIR), and never a path a plugin only named.
 */
@ExtendWith(LeakCheck.class)
class LeftoverSocketTest {

    /** A plugin (Python, as a Go one would) that listens on {@code path}, announces protocol 7, and waits. */
    private static ClientConfig refused(Path tmp, Path socket) {
        String script = "import socket,sys,time\n"
                + "s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen()\n"
                + "print('1|7|unix|' + sys.argv[1] + '|grpc|', flush=True)\n"
                + "time.sleep(600)\n";
        return ClientConfig.builder().name("old").handshake(ProbePlugin.HANDSHAKE).plugin("probe", Probe.plugin())
                .command(List.of("/usr/bin/python3", "-c", script, socket.toString()))
                .env("TMPDIR", tmp.toString()).build();
    }

    @Test
    void aRefusedGoPluginsSocketInItsTempDirectoryIsRemoved(@TempDir Path tmp) {
        Path socket = tmp.resolve("plugin4242");
        assertThatThrownBy(() -> PluginClient.start(refused(tmp, socket))).isInstanceOf(PluginStartException.class)
                .hasMessageContaining("speaks protocol version 7");
        assertThat(socket).doesNotExist();
    }

    @Test
    void aSocketThePluginOnlyNamedIsLeftAlone(@TempDir Path tmp) throws Exception {
        Path elsewhere = Files.createDirectory(tmp.resolve("service"));
        Path socket = elsewhere.resolve("plugin4242");
        assertThatThrownBy(() -> PluginClient.start(refused(tmp, socket))).isInstanceOf(PluginStartException.class);
        assertThat(socket).exists();
        Path named = tmp.resolve("service.sock");
        assertThatThrownBy(() -> PluginClient.start(refused(tmp, named))).isInstanceOf(PluginStartException.class);
        assertThat(named).exists();
    }
}
