package dev.outpost.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outpost's library jars are real modules: an application module that requires {@code dev.outpost.manager}
 * (and through it core and api) compiles and runs on the module path, makes an interface-mode call to a
 * plugin served in its JVM (over a real socket, the whole client and server path), starts and closes a
 * manager, and logs through {@code dev.outpost.plugin.slf4j}, which SLF4J finds through its descriptor.
 */
class ModulePathTest {

    /** What the application needs on the module path: Outpost's modules and the libraries they require. */
    private static final List<String> MODULES = List.of("/outpost-api/", "/outpost-core/", "/outpost-manager/",
            "/outpost-plugin-slf4j/", "/org/slf4j/jul-to-slf4j/", "/io/grpc/",
            "/com/google/", "/tools/jackson/", "/com/fasterxml/jackson/core/jackson-annotations/", "/org/slf4j/slf4j-api/", "/org/bouncycastle/", "/io/perfmark/");

    private static final String MODULE_INFO = """
            module smoke {
                requires dev.outpost.manager;
                requires org.slf4j;
                exports smoke;
            }
            """;

    private static final String GREETER = """
            package smoke;

            public interface Greeter {
                String greet(String name);

                int add(int a, int b);
            }
            """;

    private static final String MAIN = """
            package smoke;

            import dev.outpost.HandshakeConfig;
            import dev.outpost.host.ClientConfig;
            import dev.outpost.host.PluginClient;
            import dev.outpost.inprocess.InProcess;
            import dev.outpost.manager.PluginManager;
            import dev.outpost.plugin.ServeConfig;
            import java.nio.file.Path;
            import org.slf4j.LoggerFactory;

            public final class Main {
                public static void main(String[] args) throws Exception {
                    LoggerFactory.getLogger("smoke").info("logged through {}", "the plugin provider");
                    HandshakeConfig handshake = new HandshakeConfig(1, "SMOKE_PLUGIN", "module-path");
                    Greeter implementation = new Greeter() {
                        public String greet(String name) {
                            return "hello " + name;
                        }

                        public int add(int a, int b) {
                            return a + b;
                        }
                    };
                    ServeConfig serve = ServeConfig.builder().handshake(handshake)
                            .plugin("greeter", Greeter.class, implementation).build();
                    ClientConfig config = ClientConfig.builder().name("greeter").handshake(handshake)
                            .plugin("greeter", Greeter.class).build();
                    try (PluginClient plugin = InProcess.start(config, serve)) {
                        Greeter greeter = plugin.dispense("greeter", Greeter.class);
                        System.out.println("module " + PluginClient.class.getModule().getName() + ": "
                                + greeter.greet("world") + ", " + greeter.add(2, 3));
                    }
                    try (PluginManager manager = PluginManager.builder().directory(Path.of(args[0]))
                            .handshake(handshake).plugin("greeter", Greeter.class).build()) {
                        manager.start();
                        System.out.println("module " + PluginManager.class.getModule().getName() + ": "
                                + manager.plugins().size() + " plugins");
                    }
                }
            }
            """;

    @Test
    void anApplicationModuleRequiresCoreAndCallsAPlugin(@TempDir Path dir) throws Exception {
        String modulePath = List.of(System.getProperty("java.class.path").split(File.pathSeparator)).stream()
                .filter(entry -> MODULES.stream().anyMatch(entry::contains))
                .filter(entry -> !entry.contains("test-classes") && !entry.endsWith("-tests.jar"))
                .collect(Collectors.joining(File.pathSeparator));
        assertThat(modulePath).contains("outpost-core", "outpost-api");
        Path sources = dir.resolve("src/smoke");
        Files.createDirectories(sources.resolve("smoke"));
        Files.writeString(sources.resolve("module-info.java"), MODULE_INFO);
        Files.writeString(sources.resolve("smoke/Greeter.java"), GREETER);
        Files.writeString(sources.resolve("smoke/Main.java"), MAIN);
        Path classes = dir.resolve("classes");

        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int compiled = compiler.run(null, null, errors, "-d", classes.toString(), "--module-path", modulePath,
                sources.resolve("module-info.java").toString(), sources.resolve("smoke/Greeter.java").toString(),
                sources.resolve("smoke/Main.java").toString());
        assertThat(compiled).as("javac on the module path: %s", errors.toString(StandardCharsets.UTF_8)).isZero();

        // Its temporary files (the in-process plugin's sockets) go into this test's directory too.
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Djava.io.tmpdir=" + dir, "--module-path", classes + File.pathSeparator + modulePath,
                "-m", "smoke/smoke.Main", Files.createDirectories(dir.resolve("plugins")).toString()));
        Path log = dir.resolve("output.txt");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            boolean exited = process.waitFor(60, TimeUnit.SECONDS);
            String output = Files.readString(log);
            assertThat(exited).as("exited within 60 s; output:%n%s", output).isTrue();
            assertThat(process.exitValue()).as("exit status; output:%n%s", output).isZero();
            assertThat(output).contains("module dev.outpost.core: hello world, 5",
                    "module dev.outpost.manager: 0 plugins",
                    // The SLF4J provider, found through its module's provides clause: a go-plugin JSON log line.
                    "\"@message\":\"logged through the plugin provider\"");
        } finally {
            process.destroyForcibly();
            process.onExit().get(10, TimeUnit.SECONDS);
        }
    }
}
