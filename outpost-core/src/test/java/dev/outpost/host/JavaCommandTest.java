package dev.outpost.host;

import dev.outpost.PluginStartException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.outpost.fixtures.CrashingPlugin;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.fixtures.TestJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A Java plugin's class data: recorded at its first clean stop, used by the next starts, renewed when it changes. */
@ExtendWith(LeakCheck.class)
class JavaCommandTest {

    @TempDir
    Path dir;

    private Path cache;
    private Path pluginJar;
    private List<Path> classPath;
    private Path classLog;

    @BeforeEach
    void pluginAsJars() throws IOException {
        cache = dir.resolve("cds");
        classLog = dir.resolve("classes.log");
        // Class directories cannot be archived: the plugin's own classes go into a jar, like a real plugin's.
        pluginJar = dir.resolve("probe.jar");
        classPath = new ArrayList<>(List.of(pluginJar));
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(pluginJar))) {
            for (String entry : TestJvm.classpath().split(":")) {
                Path path = Path.of(entry);
                if (Files.isDirectory(path)) {
                    addTree(jar, path);
                } else if (entry.endsWith(".jar")) {
                    classPath.add(path);
                }
            }
        }
    }

    private static void addTree(JarOutputStream jar, Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            // Several class directories go into one jar: their module descriptors would collide, and it is no module.
            for (Path file : files.filter(Files::isRegularFile)
                    .filter(file -> !file.getFileName().toString().equals("module-info.class")).toList()) {
                jar.putNextEntry(new JarEntry(root.relativize(file).toString()));
                Files.copy(file, jar);
                jar.closeEntry();
            }
        }
    }

    private JavaCommand.Builder probe() {
        List<String> options = new ArrayList<>(JavaCommand.DEFAULT_JVM_OPTIONS);
        options.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        // Where each class came from: "shared objects file (top)" is the plugin's own archive.
        options.add("-Xlog:class+load=info:file=" + classLog);
        return JavaCommand.mainClass(classPath, ProbePlugin.class.getName()).jvmOptions(options);
    }

    private List<String> runOnce(JavaCommand command) throws Exception {
        return runOnce(ClientConfig.builder().handshake(ProbePlugin.HANDSHAKE).command(command)
                .plugin("probe", Probe.plugin()).gracefulTimeout(Duration.ofSeconds(30)).build());
    }

    private List<String> runOnce(ClientConfig config) throws Exception {
        try (PluginClient client = PluginClient.start(config)) {
            assertThat(client.dispense("probe", Probe.Client.class).echo("hello")).isEqualTo("hello");
            // The JDK's ProcessHandle.Info drops long command lines; the kernel's copy is whole.
            String cmdline = Files.readString(Path.of("/proc", Long.toString(client.pid()), "cmdline"));
            return List.of(cmdline.split("\0"));
        }
    }

    private List<Path> archives() throws IOException {
        try (Stream<Path> files = Files.list(cache)) {
            return files.filter(file -> file.toString().endsWith(".jsa")).toList();
        }
    }

    private List<Path> cacheEntries() throws IOException {
        try (Stream<Path> files = Files.list(cache)) {
            return files.toList();
        }
    }

    @Test
    void theFirstCleanStopRecordsTheArchiveAndLaterStartsLoadTheirClassesFromIt() throws Exception {
        JavaCommand command = probe().classDataSharing(cache).build();
        assertThat(runOnce(command)).anyMatch(arg -> arg.startsWith("-XX:ArchiveClassesAtExit=" + cache))
                .noneMatch(arg -> arg.startsWith("-XX:SharedArchiveFile"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(archives()).hasSize(1));
        Path archive = archives().get(0);
        assertThat(archive.getFileName().toString()).startsWith("probe.jar-");
        assertThat(cacheEntries()).as("no partial archive left").containsExactly(archive);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache))).isEqualTo("rwx------");

        assertThat(runOnce(command)).contains("-XX:SharedArchiveFile=" + archive)
                .noneMatch(arg -> arg.startsWith("-XX:ArchiveClassesAtExit"));
        assertThat(Files.readAllLines(classLog))
                .anyMatch(line -> line.contains(" dev.outpost.plugin.PluginServer source: shared objects file (top)"))
                .anyMatch(line -> line.contains(" dev.outpost.fixtures.ProbePlugin source: shared objects file (top)"));
    }

    @Test
    void recordingTheArchiveWarnsNothingOnStderrAtACleanStopOrAFailedStart() throws Exception {
        List<String> stderr = new CopyOnWriteArrayList<>();
        // AutoMTLS: the plugin checks the host's certificate, which loads JFR event classes; the
        // recording skips each with a warning.
        List<String> launched = runOnce(ClientConfig.builder().handshake(ProbePlugin.HANDSHAKE)
                .command(probe().classDataSharing(cache).build()).autoMtls(true).stderr(stderr::add)
                .plugin("probe", Probe.plugin()).gracefulTimeout(Duration.ofSeconds(30)).build());
        assertThat(launched).anyMatch(arg -> arg.startsWith("-XX:ArchiveClassesAtExit="));
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(archives()).hasSize(1));
        assertThat(stderr).as("the clean stop's stderr").isNotEmpty().noneMatch(line -> line.contains("[cds]"));

        stderr.clear();
        ClientConfig crashing = ClientConfig.builder().handshake(ProbePlugin.HANDSHAKE).stderr(stderr::add)
                .command(JavaCommand.mainClass(classPath, CrashingPlugin.class.getName())
                        .jvmOptions(probe().build().jvmOptions()).classDataSharing(cache).build())
                .plugin("probe", Probe.plugin()).startTimeout(Duration.ofSeconds(30)).build();
        Throwable failure = catchThrowable(() -> PluginClient.start(crashing).close());
        assertThat(failure).isInstanceOf(PluginStartException.class)
                .hasMessageContaining("java.lang.IllegalStateException: cannot open the plugin's store")
                .hasMessageNotContaining("[cds]");
        assertThat(stderr).as("the failed start's stderr").isNotEmpty().noneMatch(line -> line.contains("[cds]"));
    }

    @Test
    void aChangedJarGetsANewArchiveAndTheOldOneIsRemoved() throws Exception {
        runOnce(probe().classDataSharing(cache).build());
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(archives()).hasSize(1));
        Path first = archives().get(0);

        Files.setLastModifiedTime(pluginJar, FileTime.fromMillis(Files.getLastModifiedTime(pluginJar).toMillis() + 5000));
        assertThat(runOnce(probe().classDataSharing(cache).build()))
                .as("the old archive does not match the new jar").noneMatch(arg -> arg.startsWith("-XX:SharedArchiveFile"));
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(archives()).hasSize(1).doesNotContain(first));
    }

    @Test
    void aRegeneratedBaseArchiveOfTheJdkGetsANewArchive() throws Exception {
        // A JDK of the test's own: bin/java runs this one, lib/ holds its module image and base archive as
        // stand-ins whose time stamps the test can change.
        Path jdk = dir.resolve("jdk");
        Path java = Files.createDirectories(jdk.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(Files.createDirectories(jdk.resolve("lib")).resolve("modules"), "module image");
        Path base = Files.createDirectories(jdk.resolve("lib").resolve("server")).resolve("classes.jsa");
        Files.writeString(base, "base archive");
        assertThat(JavaCommand.baseArchives(jdk)).containsExactly(base);

        runOnce(probe().java(java).classDataSharing(cache).build());
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(archives()).hasSize(1));
        Path first = archives().get(0);
        assertThat(runOnce(probe().java(java).classDataSharing(cache).build())).contains("-XX:SharedArchiveFile=" + first);

        // As "java -Xshare:dump" or a package's install script does: the JVM would now refuse the old archive.
        Files.setLastModifiedTime(base, FileTime.fromMillis(Files.getLastModifiedTime(base).toMillis() + 5000));
        assertThat(runOnce(probe().java(java).classDataSharing(cache).build()))
                .as("the old archive extends another base archive").noneMatch(arg -> arg.startsWith("-XX:SharedArchiveFile"))
                .anyMatch(arg -> arg.startsWith("-XX:ArchiveClassesAtExit="));
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(archives()).hasSize(1).doesNotContain(first));
    }

    @Test
    void otherJvmOptionsGetTheirOwnArchive() throws Exception {
        runOnce(probe().classDataSharing(cache).build());
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(archives()).hasSize(1));
        List<String> options = new ArrayList<>(probe().build().jvmOptions());
        options.add("-Xmx64m");
        List<String> launched = runOnce(JavaCommand.mainClass(classPath, ProbePlugin.class.getName())
                .jvmOptions(options).classDataSharing(cache).build());
        assertThat(launched).contains("-Xmx64m").noneMatch(arg -> arg.startsWith("-XX:SharedArchiveFile"));
    }

    @Test
    void aCacheDirectoryOthersCanWriteIsNotUsed() throws Exception {
        Files.createDirectories(cache, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(runOnce(probe().classDataSharing(cache).build())).noneMatch(arg -> arg.startsWith("-XX:Shared")
                || arg.startsWith("-XX:ArchiveClassesAtExit"));
        assertThat(cacheEntries()).isEmpty();
    }

    @Test
    void aClassDirectoryOnTheClassPathRunsWithoutAnArchive() throws Exception {
        List<Path> withDirectory = new ArrayList<>(classPath);
        withDirectory.add(Files.createDirectories(dir.resolve("classes")));
        Files.writeString(dir.resolve("classes").resolve("readme.txt"), "not a jar");
        JavaCommand command = JavaCommand.mainClass(withDirectory, ProbePlugin.class.getName())
                .jvmOptions(probe().build().jvmOptions()).classDataSharing(cache).build();
        assertThat(runOnce(command)).noneMatch(arg -> arg.startsWith("-XX:Shared") || arg.startsWith("-XX:ArchiveClassesAtExit"));
    }

    @Test
    void withoutClassDataSharingTheCommandIsPlain() throws Exception {
        JavaCommand command = probe().noClassDataSharing().build();
        assertThat(command.cacheDirectory()).isEmpty();
        assertThat(runOnce(command)).noneMatch(arg -> arg.startsWith("-XX:Shared") || arg.startsWith("-XX:ArchiveClassesAtExit"))
                .contains("-Xlog:all=warning,cds=off,cds+dynamic=off:stderr", "-XX:+UseSerialGC", ProbePlugin.class.getName());
        assertThat(ClientConfig.builder().handshake(ProbePlugin.HANDSHAKE).command(command)
                .plugin("probe", Probe.plugin()).build().name()).isEqualTo("ProbePlugin");
        assertThat(ClientConfig.builder().handshake(ProbePlugin.HANDSHAKE)
                .command(JavaCommand.jar(Path.of("plugins/thermostat.jar")).build())
                .plugin("probe", Probe.plugin()).build().name()).isEqualTo("thermostat");
    }
}
