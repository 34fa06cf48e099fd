package dev.outpost.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.Isolation;
import dev.outpost.fixtures.LeakCheck;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code outpost run --sandbox DIR}: a go-plugin v1.0 plugin that first tries to escape (a file outside its
 * folder, a TCP port the host's user listens on) fails both and still runs; Java and Python plugins run
 * sandboxed too.
 */
@ExtendWith(LeakCheck.class)
class OutpostSandboxIT {

    @BeforeAll
    static void buildPeers() throws Exception {
        Peers.build();
        Isolation.requireBubblewrap();
    }

    private static Path executable(Path file, String text) throws Exception {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    @Test
    void sandboxedPluginsCannotWriteOutsideTheirFolderNorReachTheHostsPortsAndStillRun(@TempDir Path plugins,
                                                                                     @TempDir Path outside)
            throws Exception {
        Path escape = outside.resolve("escaped");
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            listener.configureBlocking(false);
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();

            // The go-plugin v1.0 KV plugin, behind a script that tries to escape first and says how it went.
            Path go = Files.createDirectories(plugins.resolve("go-kv").resolve("data")).getParent();
            Files.copy(Path.of(Peers.goPlugin()), go.resolve("go-kv-plugin"), StandardCopyOption.COPY_ATTRIBUTES);
            executable(go.resolve("run"), "#!/bin/sh\n"
                    + "if echo escaped > " + escape + " 2>/dev/null; then echo 'write: ok'; else echo 'write: denied';"
                    + " fi > data/report\n"
                    + "if timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + port + "' 2>/dev/null; then"
                    + " echo 'connect: ok'; else echo 'connect: denied'; fi >> data/report\n"
                    + "exec ./go-kv-plugin\n");
            Files.writeString(go.resolve("plugin.json"), "{\"id\": \"go-kv\", \"command\": [\"./run\"], "
                    + "\"sandbox\": {\"writable\": [\"data/\"]}}");

            // A Java plugin from its own jar, without a word about a sandbox: --sandbox confines it anyway.
            Path javaKv = Files.createDirectories(plugins.resolve("java-kv"));
            Files.copy(Peers.INTEROP.resolve("target/outpost-interop.jar"), javaKv.resolve("kv.jar"));
            Files.writeString(javaKv.resolve("plugin.json"), "{\"id\": \"java-kv\", \"command\": [\"java\", "
                    + "\"-XX:+UseSerialGC\", \"-XX:TieredStopAtLevel=1\", \"-cp\", \"kv.jar\", "
                    + "\"dev.outpost.interop.KvPlugin\"]}");

            // The Python plugin with its generated modules, in its folder.
            Path python = Files.createDirectories(plugins.resolve("python-kv"));
            Files.copy(Peers.INTEROP.resolve("peers/python/kv_plugin.py"), python.resolve("kv_plugin.py"));
            try (var modules = Files.list(Peers.OUT.resolve("python"))) {
                for (Path module : modules.filter(Files::isRegularFile).toList()) {
                    Files.copy(module, python.resolve(module.getFileName()));
                }
            }
            Files.writeString(python.resolve("plugin.json"), "{\"id\": \"python-kv\", \"command\": "
                    + "[\"/usr/bin/python3\", \"kv_plugin.py\"], \"env\": {\"PYTHONPATH\": \"" + python + "\"}}");

            OutpostRun run = OutpostRun.start(plugins, "--sandbox");
            List<Long> pids = run.awaitRunning(3);
            for (String id : List.of("go-kv", "java-kv", "python-kv")) {
                assertThat(run.lines()).as("output").anyMatch(line -> line.startsWith(id + " STARTING -> RUNNING"));
            }
            for (long pid : pids) {
                assertThat(ProcessHandle.of(pid).flatMap(p -> p.info().command())).as("plugin pid %d", pid)
                        .hasValueSatisfying(command -> assertThat(command).endsWith("/bwrap"));
            }
            assertThat(Files.readAllLines(go.resolve("data/report"))).containsExactly("write: denied", "connect: denied");
            assertThat(escape).doesNotExist();
            assertThat(listener.accept()).as("a connection from the sandbox").isNull();

            run.process().toHandle().destroy();
            assertThat(run.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            for (long pid : pids) {
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("plugin pid %d", pid)
                        .isIn(Optional.empty(), Optional.of(false));
            }
        }
    }
}
