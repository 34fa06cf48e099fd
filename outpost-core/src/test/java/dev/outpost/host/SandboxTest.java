package dev.outpost.host;

import dev.outpost.PluginStartException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.fixtures.ConfinedPlugin;
import dev.outpost.fixtures.Isolation;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.fixtures.TestJvm;
import java.io.File;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A Java plugin confined by bubblewrap: what it can and cannot reach. */
@ExtendWith(LeakCheck.class)
class SandboxTest {

    /** The test class path, which the sandboxed JVM must be allowed to read. */
    private static Sandbox.Builder withClassPath(Sandbox.Builder sandbox) {
        for (String entry : TestJvm.classpath().split(File.pathSeparator)) {
            sandbox.readable(Path.of(entry));
        }
        return sandbox;
    }

    @Test
    void aSandboxedPluginWritesOnlyWhereAllowedReachesNoPortAndSeesNoOtherProcess(@TempDir Path folder,
                                                                                 @TempDir Path outside) throws Exception {
        Isolation.requireBubblewrap();
        Path data = Files.createDirectory(folder.resolve("data"));
        Path escape = outside.resolve("escaped");
        Path inFolder = folder.resolve("not-writable");
        List<String> stderr = new CopyOnWriteArrayList<>();
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            listener.configureBlocking(false);
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            ClientConfig config = ClientConfig.builder().name("confined").handshake(ProbePlugin.HANDSHAKE)
                    .command(TestJvm.of(ConfinedPlugin.class, escape.toString(), inFolder.toString(),
                            data.resolve("kept").toString(), "/tmp/private", "--port", Integer.toString(port)))
                    .workingDirectory(folder)
                    .runner(withClassPath(Sandbox.builder().writable(data)).build())
                    .stderr(stderr::add)
                    .plugin("probe", Probe.plugin())
                    .build();
            try (PluginClient plugin = PluginClient.start(config)) {
                assertThat(plugin.dispense("probe", Probe.Client.class).echo("inside")).isEqualTo("inside");
                assertThat(stderr).anyMatch(line -> line.startsWith("write " + escape + ": denied"))
                        .anyMatch(line -> line.startsWith("write " + inFolder + ": denied")
                                && line.contains("Read-only file system"))
                        .contains("write " + data.resolve("kept") + ": ok", "write /tmp/private: ok")
                        .anyMatch(line -> line.startsWith("connect " + port + ": denied"))
                        .anyMatch(line -> line.startsWith("pid 1: ") && line.endsWith("bwrap"))
                        .contains("TMPDIR: " + Path.of(plugin.handshake().address()).getParent());
                assertThat(listener.accept()).as("a connection from the sandbox").isNull();
            }
        }
        assertThat(escape).doesNotExist();
        assertThat(inFolder).doesNotExist();
        assertThat(Path.of("/tmp/private")).as("the sandbox's /tmp is its own").doesNotExist();
        assertThat(data.resolve("kept")).hasContent("escaped");
    }

    @Test
    void withoutBubblewrapTheSandboxedPluginIsNotStarted(@TempDir Path folder) throws Exception {
        Path marker = folder.resolve("ran");
        ClientConfig config = ClientConfig.builder().name("confined").handshake(ProbePlugin.HANDSHAKE)
                .command("/bin/sh", "-c", "touch " + marker)
                .runner(Sandbox.builder().bubblewrap(folder.resolve("bwrap")).build())
                .plugin("probe", Probe.plugin())
                .build();
        assertThatThrownBy(() -> PluginClient.start(config)).isInstanceOfSatisfying(PluginStartException.class, e -> {
            assertThat(e.getMessage()).startsWith("plugin 'confined': sandbox needs bubblewrap (Debian: apt-get "
                    + "install bubblewrap)");
            assertThat(e.kind()).isEqualTo(PluginStartException.Kind.RUNNER_UNAVAILABLE);
            assertThat(e.permanent()).isTrue();
        });
        assertThat(marker).as("the command, run unconfined").doesNotExist();
    }

    @Test
    void aWritablePathThatDoesNotExistFailsTheStartNamingIt(@TempDir Path folder) throws Exception {
        Isolation.requireBubblewrap();
        Path missing = folder.resolve("data");
        ClientConfig config = ClientConfig.builder().name("confined").handshake(ProbePlugin.HANDSHAKE)
                .command("/bin/true").runner(Sandbox.builder().writable(missing).build())
                .plugin("probe", Probe.plugin()).build();
        assertThatThrownBy(() -> PluginClient.start(config)).isInstanceOf(PluginStartException.class)
                .hasMessage("plugin 'confined': sandbox: writable path " + missing + " does not exist");
    }

    @Test
    void theCommandMountsTmpBeforeTheUsersPathsAndSharesTheNetworkOnlyWhenAllowed(@TempDir Path dir) {
        Runner.Launch launch = new Runner.Launch("p", List.of("/usr/bin/plugin", "-x"), Map.of(), Optional.of(dir),
                Redirect.INHERIT, dir.resolve("sockets"), List.of(Path.of("/usr/bin/plugin")), List.of());
        List<String> closed = Bubblewrap.command(Path.of("/usr/bin/bwrap"),
                Sandbox.builder().writable(dir.resolve("data")).build(), launch);
        assertThat(closed).startsWith("/usr/bin/bwrap", "--die-with-parent", "--new-session", "--unshare-all")
                .doesNotContain("--share-net").endsWith("--chdir", dir.toString(), "--", "/usr/bin/plugin", "-x");
        String line = String.join(" ", closed);
        assertThat(line).contains("--cap-drop ALL", "--ro-bind-try /usr /usr", "--ro-bind " + dir + " " + dir,
                "--bind " + dir.resolve("data") + " " + dir.resolve("data"),
                "--bind " + dir.resolve("sockets") + " " + dir.resolve("sockets"))
                .doesNotContain("--ro-bind /usr/bin/plugin"); // inside /usr, already shown
        assertThat(line.indexOf("--tmpfs /tmp")).isLessThan(line.indexOf("--ro-bind " + dir));
        assertThat(line.indexOf("--ro-bind " + dir)).isLessThan(line.indexOf("--bind " + dir.resolve("data")));
        assertThat(Bubblewrap.command(Path.of("bwrap"), Sandbox.builder().network(true).build(), launch))
                .contains("--share-net");
    }
}
