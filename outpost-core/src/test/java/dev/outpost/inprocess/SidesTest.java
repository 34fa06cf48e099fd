package dev.outpost.inprocess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.host.PluginClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The host side and the plugin side of outpost-core depend on neither each other: a host application
 * loads no plugin-serving code, a plugin no host code. Only {@code dev.outpost.inprocess} joins them.
 * Read from the compiled classes: a class that names another names it in its constant pool.
 */
class SidesTest {

    private static List<String> classesOf(String pkg, String referring) throws URISyntaxException, IOException {
        Path classes = Path.of(PluginClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (Stream<Path> files = Files.walk(classes.resolve(pkg))) {
            return files.filter(f -> f.toString().endsWith(".class")).filter(f -> {
                try {
                    return new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(referring);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).map(f -> classes.relativize(f).toString()).toList();
        }
    }

    @Test
    void theHostSideNamesNoTypeOfThePluginSide() throws Exception {
        assertThat(classesOf("dev/outpost/host", "dev/outpost/plugin/")).isEmpty();
    }

    @Test
    void thePluginSideNamesNoTypeOfTheHostSide() throws Exception {
        assertThat(classesOf("dev/outpost/plugin", "dev/outpost/host/")).isEmpty();
    }

    @Test
    void inProcessJoinsThem() throws Exception {
        assertThat(classesOf("dev/outpost/inprocess", "dev/outpost/plugin/")).isNotEmpty();
        assertThat(classesOf("dev/outpost/inprocess", "dev/outpost/host/")).isNotEmpty();
    }
}
