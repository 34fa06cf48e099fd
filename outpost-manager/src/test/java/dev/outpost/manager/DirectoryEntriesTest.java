package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.fixtures.CapturedLogs;
import dev.outpost.fixtures.LeakCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What the manager makes of a directory's entries: ids claimed twice, and entries that are not plugins. */
@ExtendWith(LeakCheck.class)
class DirectoryEntriesTest extends ManagerTestSupport {

    private PluginManager started(boolean watch) {
        return started(PluginManager.builder().directory(dir).handshake(SensorPlugin.HANDSHAKE)
                .plugin("sensor", Sensor.class).noClassDataSharing().watch(watch).settleTime(Duration.ofMillis(200)));
    }

    private Path entry(String name) {
        return dir.toAbsolutePath().normalize().resolve(name);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    @Test
    void anIdClaimedByAFolderAndAnExecutableFailsBothUntilOneIsRemoved() throws Exception {
        PluginDirs.script(dir, "x");
        PluginDirs.folder(dir, "y", "{\"id\": \"x\", \"command\": " + PluginDirs.commandJson() + "}");
        started(true);

        String conflict = "id 'x' is claimed by both " + entry("x") + " and " + entry("y");
        assertThat(manager.plugins()).extracting(PluginInfo::id, PluginInfo::source, PluginInfo::state,
                        PluginInfo::lastError)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("x", entry("x"), PluginState.FAILED,
                                java.util.Optional.of(conflict)),
                        org.assertj.core.groups.Tuple.tuple("y", entry("y"), PluginState.FAILED,
                                java.util.Optional.of(conflict)));
        await().untilAsserted(() -> assertThat(events.all()).extracting(PluginEvent::toString)
                .containsExactlyInAnyOrder("x LOADING -> FAILED [" + conflict + "]", "y LOADING -> FAILED [" + conflict + "]"));
        assertThatThrownBy(() -> manager.restart("x")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(conflict);
        assertThat(info("x").state()).as("not started by hand either").isEqualTo(PluginState.FAILED);

        deleteTree(dir.resolve("y"));
        events.await("x", PluginState.RUNNING, 1);
        assertThat(manager.plugins()).extracting(PluginInfo::id).containsExactly("x");
        assertThat(info("x").source()).isEqualTo(entry("x"));
    }

    @Test
    void aNewcomerClaimingARunningPluginsIdFailsBothAndTheOtherStartsWhenOneGoes() throws Exception {
        PluginDirs.script(dir, "x");
        started(true);
        long pid = events.await("x", PluginState.RUNNING, 1).plugin().pid().orElseThrow();

        Path folder = Files.createDirectories(dir.resolve(".y.tmp"));
        Files.writeString(folder.resolve("plugin.json"), "{\"id\": \"x\", \"command\": " + PluginDirs.commandJson() + "}");
        Files.move(folder, dir.resolve("y"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);

        String conflict = "id 'x' is claimed by both " + entry("x") + " and " + entry("y");
        assertThat(events.await("x", PluginState.FAILED, 1).reason()).isEqualTo(conflict);
        assertThat(events.await("y", PluginState.FAILED, 1).reason()).isEqualTo(conflict);
        assertThat(events.moves("x")).containsSubsequence("RUNNING -> STOPPING", "STOPPING -> STOPPED",
                "LOADING -> FAILED");
        await().untilAsserted(() -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
                .isIn(java.util.Optional.empty(), java.util.Optional.of(false)));

        Files.delete(dir.resolve("x"));
        events.await("x", PluginState.RUNNING, 2);
        assertThat(info("x").source()).as("now the folder's").isEqualTo(entry("y"));
        assertThat(manager.plugins()).extracting(PluginInfo::id).containsExactly("x");
    }

    @Test
    void eachSkippedEntryIsReportedOnceAtWarnWithItsReason() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "not a plugin");
        Files.createSymbolicLink(dir.resolve("loop"), Path.of("loop"));
        Files.createSymbolicLink(dir.resolve("dangling"), Path.of("nowhere"));
        Path data = Files.createDirectories(dir.resolve("data"));
        Path odd = Files.createDirectories(dir.resolve("odd"));
        Files.createSymbolicLink(odd.resolve("plugin.json"), Path.of("plugin.json"));
        PluginDirs.script(dir, ".staged");
        try (CapturedLogs logs = new CapturedLogs("outpost.directory")) {
            started(true);
            // The watcher reads these entries again after each change; none is worth a second line.
            for (int i = 0; i < 10_000; i++) {
                Files.writeString(data.resolve("file-" + i), "");
            }
            Files.writeString(dir.resolve("notes.txt"), "still not a plugin");
            Files.writeString(dir.resolve("later.txt"), "written last");
            // One timer thread handles the settled changes in order: once this is reported, all are.
            await().atMost(Duration.ofSeconds(60)).until(() -> logs.lines().stream().anyMatch(l -> l.contains("later.txt")));

            String notExecutable = ": not executable (and not a .jar, a .zip or a folder with plugin.json)";
            assertThat(logs.lines()).containsExactlyInAnyOrder(
                    "WARN outpost.directory: skipping " + entry("dangling") + ": broken symlink to nowhere",
                    "WARN outpost.directory: skipping " + entry("data") + ": folder without plugin.json",
                    "WARN outpost.directory: skipping " + entry("loop") + ": symlink loop (loop -> loop)",
                    "WARN outpost.directory: skipping " + entry("notes.txt") + notExecutable,
                    // The kernel's words for ELOOP follow.
                    logs.lines().stream().filter(line -> line.startsWith("WARN outpost.directory: skipping "
                            + entry("odd") + ": unreadable: cannot read " + entry("odd").resolve("plugin.json") + ": "))
                            .findFirst().orElse("(odd: no line, or not the expected one)"),
                    "WARN outpost.directory: skipping " + entry("later.txt") + notExecutable);
        }
        assertThat(manager.plugins()).isEmpty();
        assertThat(events.all()).isEmpty();
    }

    @Test
    void anUnreadableFolderIsReportedAsSuch() throws Exception {
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "root reads everything");
        Path locked = PluginDirs.folder(dir, "locked", "{\"id\": \"locked\", \"command\": [\"true\"]}");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        try (CapturedLogs logs = new CapturedLogs("outpost.directory")) {
            started(false);
            assertThat(logs.lines()).containsExactly("WARN outpost.directory: skipping " + entry("locked")
                    + ": unreadable: permission denied to read " + entry("locked").resolve("plugin.json"));
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
        }
    }

}
