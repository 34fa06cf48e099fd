package dev.outpost.archetype;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.manager.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Generates a project from the archetype built here, as a user would with {@code archetype:generate},
 * and builds it with {@code mvn verify}: its modules compile against this build's Outpost, its tests
 * pass, and its plugin module is packaged as a plugin folder.
 */
class GenerateProjectIT {

    private static Path root;
    private static String version;
    private static Path userRepository;
    private static NestedMaven maven;
    private static Path repository;
    private static Path logs;

    @TempDir
    static Path work;

    @BeforeAll
    static void populateRepository() throws IOException {
        root = Path.of(property("outpost.root")).toAbsolutePath().normalize();
        version = property("outpost.version");
        userRepository = Path.of(property("outpost.maven.repository"));
        // Under target/, not the temporary directory: kept after a failure, for its whole output.
        logs = Files.createDirectories(Path.of(property("outpost.it.logs")));
        repository = new ReactorRepository(root, version, work.resolve("repository"))
                .populate(Path.of(property("outpost.archetype.jar")));
        maven = new NestedMaven(Path.of(property("outpost.maven.home")), repository, userRepository,
                property("outpost.maven.offline").equals("offline=true"), Duration.ofMinutes(8));
    }

    @Test
    void generatesAProjectThatBuildsAndPassesItsTests() throws Exception {
        Map<String, Long> userOutpostBefore = outpostFiles(userRepository);
        Path projects = Files.createDirectories(work.resolve("projects"));

        NestedMaven.Run generate = maven.run(projects, logs.resolve("generate.log"),
                "org.apache.maven.plugins:maven-archetype-plugin:" + property("outpost.archetype.plugin.version")
                        + ":generate",
                "-DarchetypeGroupId=dev.outpost", "-DarchetypeArtifactId=outpost-plugin-archetype",
                "-DarchetypeVersion=" + version,
                "-DgroupId=com.example.weather", "-DartifactId=weather", "-Dversion=1.0.0",
                "-Dpackage=com.example.weather", "-DinteractiveMode=false");
        assertThat(generate.exitCode()).as("archetype:generate; its output:\n%s", generate.tail()).isZero();

        Path project = projects.resolve("weather");
        assertThat(project.resolve("weather-api/src/main/java/com/example/weather/GreeterPlugins.java"))
                .content().contains("HandshakeConfig.of(1, \"WEATHER_PLUGIN\", \"weather\")");

        NestedMaven.Run verify = maven.run(project, logs.resolve("verify.log"), "verify");
        assertThat(verify.exitCode()).as("mvn verify of the generated project; its output:\n%s", verify.tail())
                .isZero();

        // Every test ran and passed: the plugin's in-process and launched tests, the host's PluginManager one.
        assertThat(testsRun(project.resolve("weather-plugin"))).isEqualTo(3);
        assertThat(testsRun(project.resolve("weather-host"))).isEqualTo(1);

        Path folder = project.resolve("weather-plugin/target/outpost/weather");
        // Read as the manager reads it.
        Manifest manifest = JsonMapper.builder().build().readValue(folder.resolve("plugin.json").toFile(),
                Manifest.class);
        assertThat(manifest.id()).isEqualTo("weather");
        assertThat(manifest.mainClass()).isEqualTo("com.example.weather.GreeterPlugin");
        assertThat(manifest.magicCookie()).isEqualTo("WEATHER_PLUGIN=weather");
        assertThat(manifest.classPath()).contains("lib/weather-plugin-1.0.0.jar", "lib/weather-api-1.0.0.jar",
                "lib/outpost-core-" + version + ".jar", "lib/outpost-api-" + version + ".jar");
        for (String jar : manifest.classPath()) {
            assertThat(folder.resolve(jar)).isRegularFile();
        }
        assertThat(project.resolve("weather-plugin/target/weather-1.0.0.zip")).isRegularFile();

        // The nested builds read the user's repository and never wrote into it.
        assertThat(outpostFiles(userRepository)).isEqualTo(userOutpostBefore);
    }

    private static int testsRun(Path module) throws IOException {
        Pattern tests = Pattern.compile("<testsuite [^>]*\\btests=\"(\\d+)\"[^>]*\\bfailures=\"0\"");
        int total = 0;
        try (Stream<Path> reports = Files.list(module.resolve("target/surefire-reports"))) {
            for (Path report : reports.filter(p -> p.getFileName().toString().startsWith("TEST-")).toList()) {
                Matcher matcher = tests.matcher(Files.readString(report));
                assertThat(matcher.find()).as("a passing test suite in %s", report).isTrue();
                total += Integer.parseInt(matcher.group(1));
            }
        }
        return total;
    }

    /** Every file under the user's dev/outpost, with its modification time. */
    private static Map<String, Long> outpostFiles(Path repository) throws IOException {
        Map<String, Long> files = new TreeMap<>();
        Path outpost = repository.resolve("dev/outpost");
        if (Files.isDirectory(outpost)) {
            try (Stream<Path> walk = Files.walk(outpost)) {
                for (Path file : walk.filter(Files::isRegularFile).toList()) {
                    files.put(outpost.relativize(file).toString(), Files.getLastModifiedTime(file).toMillis());
                }
            }
        }
        return files;
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + name + " is not set: run this test through "
                    + "the module's failsafe configuration (./mvnw verify -pl outpost-plugin-archetype -am)");
        }
        return value;
    }
}
