package dev.outpost.examples.iglu.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.examples.iglu.Device;
import dev.outpost.examples.iglu.Iglu;
import dev.outpost.examples.iglu.IgluPlugins;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.JavaCommand;
import dev.outpost.host.PluginClient;
import dev.outpost.manager.Manifest;
import dev.outpost.manager.PluginInfo;
import dev.outpost.manager.PluginManager;
import dev.outpost.manager.PluginState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The AmazingPlugin as outpost-maven-plugin packaged it in its module's build: its folder
 * ({@code target/outpost/amazing/}) and its zip, each run by a {@code PluginManager}.
 */
@ExtendWith(LeakCheck.class)
class PackagedPluginIT {

    private static final Path TARGET = Path.of(System.getProperty("outpost.amazing.target", "../amazing-plugin/target"))
            .toAbsolutePath().normalize();
    private static final String VERSION = System.getProperty("outpost.amazing.version", "0.1.0-SNAPSHOT");

    @TempDir
    Path work;

    private PluginManager.Builder manager(Path plugins) {
        return PluginManager.builder().directory(plugins).handshake(IgluPlugins.HANDSHAKE)
                .plugin(IgluPlugins.PLUGIN_NAME, Iglu.class).classDataSharing(work.resolve("cds"))
                .unpackDirectory(work.resolve("unpacked"));
    }

    @Test
    void thePackagedFolderRunsFromItsClassPathOfJars() throws Exception {
        Path folder = TARGET.resolve("outpost/amazing");
        assertThat(folder.resolve("lib/amazing-plugin-" + VERSION + ".jar")).isRegularFile();
        assertThat(folder.resolve("lib/grpc-netty-shaded-1.85.1.jar")).as("dependencies as thin jars").isRegularFile();

        try (PluginManager plugins = manager(TARGET.resolve("outpost")).build()) {
            plugins.start();
            PluginInfo amazing = plugins.plugin("amazing").orElseThrow();
            assertThat(amazing.state()).isEqualTo(PluginState.RUNNING);
            assertThat(amazing.manifest()).get().extracting(Manifest::name, Manifest::version, Manifest::author)
                    .containsExactly("Amazing Plugin", VERSION, "Someone Amazing");
            assertThat(devices(plugins)).containsExactly("desk-lamp", "hall-light", "thermostat");
            assertThat(arguments(amazing.pid().orElseThrow())).contains("dev.outpost.examples.iglu.amazing.AmazingPlugin");
        }
    }

    @Test
    void thePackagedFolderMapsTheClassDataArchiveOfItsClassPath() throws Exception {
        // The archive is recorded when the plugin exits; on a loaded machine that takes longer than the
        // manager's stop waits, so it is recorded here by a client that waits, with the manager's command.
        Path folder = TARGET.resolve("outpost/amazing");
        Manifest manifest = JsonMapper.builder().build().readValue(folder.resolve("plugin.json").toFile(), Manifest.class);
        JavaCommand command = JavaCommand.mainClass(manifest.classPath().stream().map(folder::resolve).toList(),
                manifest.mainClass()).classDataSharing(work.resolve("cds")).build();
        ClientConfig config = ClientConfig.builder().handshake(IgluPlugins.HANDSHAKE).command(command)
                .plugin(IgluPlugins.PLUGIN_NAME, Iglu.class).gracefulTimeout(Duration.ofSeconds(60)).build();
        try (PluginClient client = PluginClient.start(config)) {
            assertThat(client.dispense(IgluPlugins.PLUGIN_NAME, Iglu.class).devices()).hasSize(3);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> files(work.resolve("cds"), ".jsa").size() == 1);
        Path archive = files(work.resolve("cds"), ".jsa").get(0);

        try (PluginManager plugins = manager(TARGET.resolve("outpost")).build()) {
            plugins.start();
            long pid = plugins.plugin("amazing").orElseThrow().pid().orElseThrow();
            assertThat(arguments(pid)).contains("-XX:SharedArchiveFile=" + archive);
            assertThat(devices(plugins)).hasSize(3);
        }
    }

    @Test
    void thePackagedZipRunsFromWhereTheManagerUnpackedIt() throws Exception {
        Path plugins = Files.createDirectory(work.resolve("plugins"));
        Path zip = Files.copy(TARGET.resolve("amazing-" + VERSION + ".zip"), plugins.resolve("amazing-" + VERSION + ".zip"));

        try (PluginManager manager = manager(plugins).build()) {
            manager.start();
            PluginInfo amazing = manager.plugin("amazing").orElseThrow();
            assertThat(amazing.state()).isEqualTo(PluginState.RUNNING);
            assertThat(amazing.source()).isEqualTo(zip.toAbsolutePath().normalize());
            assertThat(devices(manager)).containsExactly("desk-lamp", "hall-light", "thermostat");
            long pid = amazing.pid().orElseThrow();
            String classPath = classPathOf(pid);
            assertThat(classPath.split(":")).hasSizeGreaterThan(10)
                    .allMatch(jar -> jar.startsWith(work.resolve("unpacked") + "/amazing-" + VERSION + "-")
                            && jar.contains("/amazing/lib/") && jar.endsWith(".jar"));
        }
    }

    private static List<String> devices(PluginManager plugins) {
        return plugins.dispense("amazing", IgluPlugins.PLUGIN_NAME, Iglu.class).devices().stream().map(Device::id).toList();
    }

    private static String classPathOf(long pid) throws IOException {
        List<String> arguments = arguments(pid);
        return arguments.get(arguments.indexOf("-cp") + 1);
    }

    /** From /proc: ProcessHandle.Info gives no arguments for a command line this long. */
    private static List<String> arguments(long pid) throws IOException {
        String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
        return List.of(cmdline.split("\0"));
    }

    private static List<Path> files(Path directory, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(suffix)).toList();
        }
    }
}
