package dev.outpost.host;

import dev.outpost.PluginStartException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.fixtures.TestJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** go-plugin's SecureConfig: the executable is checked before it runs, and what was checked is what runs. */
@ExtendWith(LeakCheck.class)
class ChecksumTest {

    @TempDir
    Path dir;

    /** A plugin script that records that it ran, then becomes the probe plugin. */
    private Path script(String name, String marker) throws IOException {
        String java = TestJvm.of(ProbePlugin.class).stream().map(arg -> "'" + arg.replace("'", "'\\''") + "'")
                .collect(Collectors.joining(" "));
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\necho " + marker + " > '" + dir.resolve("ran") + "'\nexec " + java + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }

    private static byte[] sha256(Path file) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    }

    private static ClientConfig.Builder config(Path command) {
        return ClientConfig.builder().name("checked").handshake(ProbePlugin.HANDSHAKE)
                .command(command.toString()).plugin("probe", Probe.plugin());
    }

    @Test
    void aMatchingChecksumStartsThePlugin() throws Exception {
        Path plugin = script("plugin.sh", "original");
        try (PluginClient client = PluginClient.start(config(plugin).checksum("SHA-256", sha256(plugin)).build())) {
            assertThat(client.dispense("probe", Probe.Client.class).echo("checked")).isEqualTo("checked");
        }
        assertThat(Files.readString(dir.resolve("ran")).strip()).isEqualTo("original");
    }

    @Test
    void aMismatchIsRefusedAndNothingIsLaunched() throws Exception {
        Path plugin = script("plugin.sh", "original");
        byte[] expected = MessageDigest.getInstance("SHA-256").digest("another plugin".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> PluginClient.start(config(plugin).checksum("SHA-256", expected).build()))
                .isInstanceOf(PluginStartException.class)
                .hasMessage("plugin 'checked': checksum mismatch for " + plugin + ": expected SHA-256 "
                        + HexFormat.of().formatHex(expected) + ", actual " + HexFormat.of().formatHex(sha256(plugin))
                        + "; the plugin was not launched");
        assertThat(dir.resolve("ran")).as("marker written by the plugin if it ran").doesNotExist();
    }

    @Test
    void replacingTheFileAfterTheCheckDoesNotChangeWhatRuns() throws Exception {
        Path plugin = script("plugin.sh", "original");
        byte[] checksum = sha256(plugin);
        PluginProcess.afterChecksumVerified = original -> {
            try {
                Files.writeString(original, "#!/bin/sh\necho swapped > '" + dir.resolve("ran") + "'\nexit 1\n");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        try (PluginClient client = PluginClient.start(config(plugin).checksum("SHA-256", checksum).build())) {
            assertThat(client.dispense("probe", Probe.Client.class).echo("still original")).isEqualTo("still original");
        } finally {
            PluginProcess.afterChecksumVerified = original -> { };
        }
        assertThat(Files.readString(plugin)).as("the original was replaced").contains("swapped");
        assertThat(Files.readString(dir.resolve("ran")).strip()).isEqualTo("original");
    }

    @Test
    void withASocketGroupTheVerifiedCopyRunsFromADirectoryOnlyThisUserCanChange() throws Exception {
        Path plugin = script("plugin.sh", "original");
        Files.writeString(plugin, Files.readString(plugin).replace("\nexec ", "\necho \"$0\" > '"
                + dir.resolve("ran-from") + "'\nexec "));
        String group = dev.outpost.fixtures.SocketGroups.usable();
        try (PluginClient client = PluginClient.start(config(plugin).checksum("SHA-256", sha256(plugin))
                .unixSocketGroup(group).build())) {
            Path copy = Path.of(Files.readString(dir.resolve("ran-from")).strip());
            Path socketDir = Path.of(client.handshake().address()).getParent();
            // The group may write to the socket directory, and so could swap a copy kept there.
            assertThat(copy.getParent()).isNotEqualTo(socketDir);
            assertThat(Files.getPosixFilePermissions(copy.getParent()))
                    .isEqualTo(PosixFilePermissions.fromString("rwx------"));
            assertThat(Files.readAllBytes(copy)).isEqualTo(Files.readAllBytes(plugin));
        }
    }

    @Test
    void aCommandIsLookedUpOnThePathLikeTheOperatingSystemDoes() throws Exception {
        Path sh = Path.of(new String(new ProcessBuilder("sh", "-c", "command -v sh").start().getInputStream()
                .readAllBytes(), StandardCharsets.UTF_8).strip());
        assertThat(Checksums.resolve("sh", Optional.empty())).contains(sh.normalize());
        assertThat(Checksums.resolve("no-such-outpost-program", Optional.empty())).isEmpty();
        assertThat(Checksums.resolve("./plugin.sh", Optional.of(dir))).isEmpty();
        script("plugin.sh", "x");
        assertThat(Checksums.resolve("./plugin.sh", Optional.of(dir))).contains(dir.resolve("plugin.sh"));
        assertThatThrownBy(() -> ClientConfig.builder().checksum("SHA-999", new byte[] {1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SHA-999");
    }
}
