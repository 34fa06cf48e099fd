package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.HandshakeConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Plugin folders that run a main class from a class path of jars, as outpost-maven-plugin makes them, and zips of them. */
@ExtendWith(LeakCheck.class)
class PackagedPluginsTest extends ManagerTestSupport {

    private static final String MAIN = "\"mainClass\": \"" + SensorPlugin.class.getName() + "\"";

    @TempDir
    Path work;

    private PluginManager started() {
        return started(PluginManager.builder().directory(dir).handshake(SensorPlugin.HANDSHAKE)
                .plugin("sensor", Sensor.class).noClassDataSharing().unpackDirectory(work.resolve("unpacked")));
    }

    private Sensor sensor(String id) {
        return manager.dispense(id, "sensor", Sensor.class);
    }

    @Test
    void aFolderRunsItsMainClassFromTheJarsOfItsClassPath() throws Exception {
        Path folder = PluginDirs.folder(dir, "packaged", "{\"id\": \"packaged\", " + MAIN
                + ", \"classPath\": [\"lib/sensor.jar\"], \"args\": [\"--version\", \"2.0.0\"]}");
        PluginDirs.jar(Files.createDirectories(folder.resolve("lib")), "sensor.jar");
        started();

        assertThat(info("packaged").state()).isEqualTo(PluginState.RUNNING);
        assertThat(sensor("packaged").read()).isEqualTo("reading from 2.0.0");
    }

    @Test
    void aManifestThatDoesNotSayHowToRunItsClassPathFailsWithTheReason() throws Exception {
        PluginDirs.folder(dir, "no-class-path", "{\"id\": \"no-class-path\", " + MAIN + "}");
        PluginDirs.folder(dir, "no-main", "{\"id\": \"no-main\", \"classPath\": [\"lib/a.jar\"], \"jar\": \"a.jar\"}");
        PluginDirs.folder(dir, "two-ways", "{\"id\": \"two-ways\", " + MAIN + ", \"jar\": \"a.jar\"}");
        PluginDirs.folder(dir, "missing-jar", "{\"id\": \"missing-jar\", " + MAIN + ", \"classPath\": [\"lib/gone.jar\"]}");
        started();

        Path root = dir.toAbsolutePath().normalize();
        assertThat(manager.plugins()).extracting(PluginInfo::id, PluginInfo::state, PluginInfo::lastError).containsExactly(
                tuple("missing-jar", PluginState.FAILED, Optional.of("plugin.json: class path entry "
                        + root.resolve("missing-jar/lib/gone.jar") + " does not exist")),
                tuple("no-class-path", PluginState.FAILED, Optional.of(
                        "plugin.json: \"mainClass\" needs a \"classPath\": the jars to run it from, relative to the folder")),
                tuple("no-main", PluginState.FAILED, Optional.of("plugin.json: \"classPath\" goes with \"mainClass\" only")),
                tuple("two-ways", PluginState.FAILED,
                        Optional.of("plugin.json must give exactly one of \"command\", \"jar\" and \"mainClass\"")));
    }

    @Test
    void aZipOfAPluginFolderRunsFromItsUnpackedCopyInAPrivateDirectory() throws Exception {
        Map<String, byte[]> nested = new LinkedHashMap<>();
        nested.put("zipped/plugin.json", manifest("zipped", "3.0.0"));
        nested.put("zipped/lib/sensor.jar", sensorJar());
        Path zip = zip(dir.resolve("zipped-3.0.0.zip"), nested);
        Map<String, byte[]> flat = new LinkedHashMap<>();
        flat.put("plugin.json", manifest("flat", "4.0.0"));
        flat.put("lib/sensor.jar", sensorJar());
        zip(dir.resolve("flat.zip"), flat);
        started();

        assertThat(manager.plugins()).extracting(PluginInfo::id, PluginInfo::source, PluginInfo::state).containsExactly(
                tuple("flat", dir.toAbsolutePath().normalize().resolve("flat.zip"), PluginState.RUNNING),
                tuple("zipped", zip.toAbsolutePath().normalize(), PluginState.RUNNING));
        assertThat(sensor("zipped").read()).isEqualTo("reading from 3.0.0");
        assertThat(sensor("flat").read()).isEqualTo("reading from 4.0.0");
        Path unpacked = work.resolve("unpacked");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(unpacked))).isEqualTo("rwx------");
        assertThat(children(unpacked)).hasSize(2).allMatch(name -> name.matches("(zipped-3\\.0\\.0|flat)-[0-9a-f]{24}"));

        manager.restart("zipped");
        assertThat(children(unpacked)).as("the same zip is not unpacked again").hasSize(2);
    }

    @Test
    void aReplacedZipIsUnpackedAnewAndReloadedWhileTheOldFolderStays() throws Exception {
        Path zip = dir.resolve("zipped.zip");
        zip(zip, Map.of("plugin.json", manifest("zipped", "3.0.0"), "lib/sensor.jar", sensorJar()));
        started(PluginManager.builder().directory(dir).handshake(SensorPlugin.HANDSHAKE).plugin("sensor", Sensor.class)
                .noClassDataSharing().unpackDirectory(work.resolve("unpacked")).watch(true)
                .settleTime(java.time.Duration.ofMillis(200)));
        assertThat(sensor("zipped").read()).isEqualTo("reading from 3.0.0");

        // Written beside it and renamed into place, as a deployment does.
        Path staged = zip(dir.resolve(".zipped.zip.tmp"), Map.of("plugin.json", manifest("zipped", "5.0.0"),
                "lib/sensor.jar", sensorJar()));
        Files.move(staged, zip, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertThat(events.await("zipped", PluginState.RUNNING, 2).reason()).startsWith("reloaded");
        assertThat(sensor("zipped").read()).isEqualTo("reading from 5.0.0");
        assertThat(children(work.resolve("unpacked"))).as("one folder per zip content").hasSize(2)
                .allMatch(name -> name.startsWith("zipped-"));
    }

    @Test
    void aBadZipFailsThatPluginAloneWithTheReason() throws Exception {
        Files.writeString(dir.resolve("text.zip"), "not a zip at all", StandardCharsets.UTF_8);
        Files.write(dir.resolve("truncated.zip"), java.util.Arrays.copyOf(
                Files.readAllBytes(zip(work.resolve("whole.zip"), Map.of("plugin.json", manifest("t", "1")))), 30));
        zip(dir.resolve("escape.zip"), Map.of("../escaped.txt", new byte[] {1}, "plugin.json", manifest("e", "1")));
        zip(dir.resolve("no-manifest.zip"), Map.of("a/readme.txt", new byte[] {1}, "b/readme.txt", new byte[] {2}));
        PluginDirs.folder(dir, "good", "{\"id\": \"good\", \"command\": " + PluginDirs.commandJson() + "}");
        started();

        assertThat(manager.plugins()).extracting(PluginInfo::id, PluginInfo::state, PluginInfo::lastError).containsExactly(
                tuple("escape.zip", PluginState.FAILED,
                        Optional.of("escape.zip: entry \"../escaped.txt\" would be unpacked outside the plugin's folder")),
                tuple("good", PluginState.RUNNING, Optional.empty()),
                tuple("no-manifest.zip", PluginState.FAILED,
                        Optional.of("no-manifest.zip has no plugin.json at its top or inside its only folder")),
                tuple("text.zip", PluginState.FAILED, Optional.of("text.zip is not a readable zip: zip END header not found")),
                tuple("truncated.zip", PluginState.FAILED,
                        Optional.of("truncated.zip is not a readable zip: zip END header not found")));
        assertThat(work.resolve("escaped.txt")).doesNotExist();
        assertThat(children(work.resolve("unpacked"))).as("nothing of a bad zip, half-unpacked or whole, is left")
                .isEmpty();
    }

    @Test
    void anUnpackDirectoryOthersCanWriteIsRefused() throws Exception {
        Path shared = Files.createDirectory(work.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        zip(dir.resolve("zipped.zip"), Map.of("plugin.json", manifest("zipped", "1")));
        started(PluginManager.builder().directory(dir).handshake(SensorPlugin.HANDSHAKE)
                .plugin("sensor", Sensor.class).noClassDataSharing().unpackDirectory(shared));

        assertThat(info("zipped.zip").lastError()).contains("cannot unpack zipped.zip: " + shared
                + " must be a directory of " + System.getProperty("user.name") + " that only its owner can write");
    }

    @Test
    void aPluginMadeForAnotherHostFailsAtOnceUnlessTheManagerTakesCookiesFromManifests() throws Exception {
        HandshakeConfig otherHost = HandshakeConfig.of(1, "OTHER_HOST", "other");
        String sensorCookie = SensorPlugin.HANDSHAKE.magicCookieKey() + "=" + SensorPlugin.HANDSHAKE.magicCookieValue();
        PluginDirs.folder(dir, "sensor", "{\"id\": \"sensor\", \"magicCookie\": \"" + sensorCookie
                + "\", \"command\": " + PluginDirs.commandJson() + "}");
        PluginDirs.folder(dir, "malformed", "{\"id\": \"malformed\", \"magicCookie\": \"NO_VALUE=\", \"command\": "
                + PluginDirs.commandJson() + "}");
        started(PluginManager.builder().directory(dir).handshake(otherHost).plugin("sensor", Sensor.class)
                .noClassDataSharing());

        assertThat(manager.plugins()).extracting(PluginInfo::id, PluginInfo::state, PluginInfo::lastError).containsExactly(
                tuple("malformed", PluginState.FAILED,
                        Optional.of("plugin.json: \"magicCookie\" must be KEY=VALUE, got \"NO_VALUE=\"")),
                tuple("sensor", PluginState.FAILED, Optional.of("made for another host: its magic cookie is "
                        + sensorCookie + ", this host's is OTHER_HOST=other")));
        assertThat(info("sensor").pid()).as("never launched").isEmpty();
        manager.close();

        started(PluginManager.builder().directory(dir).handshake(otherHost).plugin("sensor", Sensor.class)
                .noClassDataSharing().magicCookieFromManifests(true));
        assertThat(info("sensor").state()).isEqualTo(PluginState.RUNNING);
        assertThat(sensor("sensor").read()).isEqualTo("reading from 1.0.0");
        assertThat(info("malformed").state()).isEqualTo(PluginState.FAILED);
    }

    private static byte[] manifest(String id, String version) {
        return ("{\"id\": \"" + id + "\", " + MAIN + ", \"classPath\": [\"lib/sensor.jar\"], \"args\": [\"--version\", \""
                + version + "\"]}").getBytes(StandardCharsets.UTF_8);
    }

    private byte[] sensorJar() throws IOException {
        return Files.readAllBytes(PluginDirs.jar(work, "sensor.jar"));
    }

    private static Path zip(Path file, Map<String, byte[]> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                zip.write(entry.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }

    private static List<String> children(Path directory) throws IOException {
        try (Stream<Path> children = Files.list(directory)) {
            return children.map(child -> child.getFileName().toString()).sorted().toList();
        }
    }
}
