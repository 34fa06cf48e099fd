package dev.outpost.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The private directories the sockets live in. */
class UnixSocketDirTest {

    @TempDir
    Path parent;

    @Test
    void aPrivateDirectoryHasAShortNameOnlyItsOwnerCanEnter() throws Exception {
        Path dir = UnixSocketDir.createPrivateDirectory(parent);

        // 16 characters, where Files.createTempDirectory's names take 27: room for the plugins' own.
        assertThat(dir.getFileName().toString()).matches("outpost-[0-9a-z]{8}");
        assertThat(dir.getParent()).isEqualTo(parent);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
    }

    @Test
    void everyPrivateDirectoryIsNew() throws Exception {
        Set<Path> made = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            assertThat(made.add(UnixSocketDir.createPrivateDirectory(parent))).isTrue();
        }
        try (var entries = Files.list(parent)) {
            assertThat(entries).hasSize(200);
        }
    }

    @Test
    void aSocketDirectoryIsMadeWithTheShortNameAndRemovedWhole() throws Exception {
        Path dir;
        try (UnixSocketDir sockets = UnixSocketDir.createPrivate(parent, null)) {
            dir = sockets.path();
            assertThat(dir.getFileName().toString()).matches("outpost-[0-9a-z]{8}");
        }
        assertThat(dir).doesNotExist();
    }
}
