package dev.outpost.examples.iglu.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.examples.iglu.amazing.AmazingPlugin;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.TestJvm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Iglu host over a directory with a Java, a Go and a Python plugin for the same interface: all
 * run, each is driven, one is crashed on purpose and comes back.
 */
@ExtendWith(LeakCheck.class)
class IgluHomeTest {

    private static final Path IGLU = Path.of(System.getProperty("outpost.iglu.dir", "..")).toAbsolutePath().normalize();

    @Test
    void supervisesJavaGoAndPythonPluginsAndSurvivesACrash(@TempDir Path plugins) throws Exception {
        Path amazing = plugins.resolve("amazing");
        Files.writeString(amazing, "#!/bin/sh\nexec " + TestJvm.of(AmazingPlugin.class).stream()
                .map(part -> "'" + part + "'").collect(Collectors.joining(" ")) + "\n");
        Files.setPosixFilePermissions(amazing, PosixFilePermissions.fromString("rwxr-xr-x"));
        copyFolder(IGLU.resolve("plugins/python-sensor"), plugins.resolve("python-sensor"));
        buildGoPlugin(plugins.resolve("go-thermostat"));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = IgluHome.run(plugins, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(status).as(out).isZero();
        assertThat(out)
                .containsPattern("  amazing +Amazing Plugin +v0.1.0 +RUNNING +\\d+ +0\\n")
                .containsPattern("  go-thermostat +Go Thermostat +v1.2.0 +RUNNING +\\d+ +0\\n")
                .containsPattern("  python-sensor +Python Sensor +0.3.0 +RUNNING +\\d+ +0\\n")
                .contains("go-thermostat devices:", "python-sensor devices:", "amazing devices:")
                .contains("event from amazing: desk-lamp is now off")
                .contains("amazing RUNNING -> CRASHED [process was killed by signal 9 (SIGKILL)]")
                .containsPattern("amazing STARTING -> RUNNING \\[pid \\d+\\]")
                .containsPattern("  amazing +Amazing Plugin +v0.1.0 +RUNNING +\\d+ +1 ")
                .contains("Iglu: refused as expected: no device 'garage-door' in plugin amazing")
                .endsWith("Iglu: all plugins stopped\n");
    }

    private static void buildGoPlugin(Path binary) throws IOException, InterruptedException {
        Process build = new ProcessBuilder("bash", IGLU.resolve("build-go-plugin.sh").toString(), binary.toString())
                .redirectErrorStream(true).start();
        String output = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(build.waitFor(5, TimeUnit.MINUTES)).isTrue();
        if (build.exitValue() == 2 && System.getenv("CI") == null) {
            Assumptions.abort("no Go toolchain here (CI installs it): " + output);
        }
        assertThat(build.exitValue()).as(output).isZero();
    }

    private static void copyFolder(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else if (!file.getFileName().toString().endsWith(".pyc")) {
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
