package dev.outpost.maven;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginFolderTest {

    @TempDir
    Path dir;

    @Test
    void theFolderHoldsTheManifestAndTheJarsInClassPathOrder() throws IOException {
        Path own = jar("amazing-plugin-0.1.0.jar", "dev/example/Main.class");
        Path api = jar("repo-api-0.1.0.jar", "dev/example/Api.class");

        Path folder = PluginFolder.write(dir.resolve("outpost"), identity(),
                List.of(new PluginFolder.Jar("amazing-plugin-0.1.0.jar", own), new PluginFolder.Jar("api-0.1.0.jar", api)));

        assertThat(folder).isEqualTo(dir.resolve("outpost/amazing"));
        assertThat(Files.readString(folder.resolve("plugin.json"))).contains(
                "\"mainClass\": \"dev.example.Main\"", "\"classPath\": [\"lib/amazing-plugin-0.1.0.jar\", \"lib/api-0.1.0.jar\"]");
        assertThat(folder.resolve("lib/api-0.1.0.jar")).hasSameBinaryContentAs(api);
        assertThat(files(folder)).containsExactly("lib/amazing-plugin-0.1.0.jar", "lib/api-0.1.0.jar", "plugin.json");
    }

    @Test
    void aRebuildLeavesNoJarOfTheEarlierBuildBehind() throws IOException {
        Path own = jar("own.jar", "dev/example/Main.class");
        Path old = jar("old-dependency-1.0.jar", "old/Thing.class");
        PluginFolder.write(dir, identity(), List.of(new PluginFolder.Jar("own.jar", own),
                new PluginFolder.Jar("old-dependency-1.0.jar", old)));

        Path folder = PluginFolder.write(dir, identity(), List.of(new PluginFolder.Jar("own.jar", own)));

        assertThat(files(folder)).containsExactly("lib/own.jar", "plugin.json");
    }

    @Test
    void jarsThatWouldShareANameGetTheirGroupAsAPrefix() {
        Map<String, PluginFolder.Jar> jars = new LinkedHashMap<>();
        jars.put("org.one:core", new PluginFolder.Jar("core-1.0.jar", dir.resolve("a")));
        jars.put("org.two:core", new PluginFolder.Jar("core-1.0.jar", dir.resolve("b")));
        jars.put("org.two:util", new PluginFolder.Jar("util-2.0.jar", dir.resolve("c")));

        assertThat(PluginFolder.named(jars)).extracting(PluginFolder.Jar::fileName)
                .containsExactly("org.one-core-1.0.jar", "org.two-core-1.0.jar", "util-2.0.jar");
    }

    @Test
    void theMainClassIsLookedForInEveryJar() throws IOException {
        List<PluginFolder.Jar> jars = List.of(new PluginFolder.Jar("a.jar", jar("a.jar", "dev/example/Api.class")),
                new PluginFolder.Jar("b.jar", jar("b.jar", "dev/example/Main.class")));

        assertThat(PluginFolder.holding(jars, "dev.example.Main")).contains(dir.resolve("b.jar"));
        assertThat(PluginFolder.holding(jars, "dev.example.Missing")).isEmpty();
    }

    @Test
    void theZipHoldsTheFolderUnderItsIdAndTheSameFilesGiveTheSameBytes() throws IOException {
        Path folder = PluginFolder.write(dir.resolve("outpost"), identity(),
                List.of(new PluginFolder.Jar("own.jar", jar("own.jar", "dev/example/Main.class"))));
        Optional<FileTime> time = PackageMojo.entryTime("2026-12-01T00:00:00Z");

        PluginFolder.zip(folder, dir.resolve("first.zip"), time);
        Files.setLastModifiedTime(folder.resolve("plugin.json"), FileTime.from(Instant.now().plusSeconds(60)));
        PluginFolder.zip(folder, dir.resolve("second.zip"), time);

        try (ZipFile zip = new ZipFile(dir.resolve("first.zip").toFile())) {
            assertThat(Collections.list(zip.entries())).extracting(ZipEntry::getName)
                    .containsExactly("amazing/lib/own.jar", "amazing/plugin.json");
            assertThat(new String(zip.getInputStream(zip.getEntry("amazing/plugin.json")).readAllBytes(),
                    StandardCharsets.UTF_8)).isEqualTo(Files.readString(folder.resolve("plugin.json")));
        }
        assertThat(dir.resolve("second.zip")).hasSameBinaryContentAs(dir.resolve("first.zip"));
    }

    @Test
    void theOutputTimestampIsReadAsMavenJarPluginReadsIt() {
        assertThat(PackageMojo.entryTime("2026-12-01T00:00:00Z")).contains(FileTime.from(Instant.parse("2026-12-01T00:00:00Z")));
        assertThat(PackageMojo.entryTime("1796083200")).contains(FileTime.from(Instant.ofEpochSecond(1796083200L)));
        assertThat(PackageMojo.entryTime(null)).isEmpty();
        assertThat(PackageMojo.entryTime("not a time")).isEmpty();
    }

    private static ManifestJson identity() {
        return new ManifestJson("amazing", "Amazing Plugin", "0.1.0", null, null, "dev.example.Main", null, null, null,
                null, null, null);
    }

    private Path jar(String name, String entry) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry(entry));
            zip.write(name.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return file;
    }

    private static List<String> files(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).map(file -> folder.relativize(file).toString()).sorted().toList();
        }
    }
}
