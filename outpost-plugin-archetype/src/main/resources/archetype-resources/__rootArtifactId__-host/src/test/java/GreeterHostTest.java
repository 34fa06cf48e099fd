package ${package};

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.outpost.testing.PluginExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GreeterHostTest {

    @Test
    void greetsThroughEveryPluginOfItsDirectory(@TempDir Path plugins) throws IOException {
        // A plugin folder whose plugin.json runs GreeterPlugin's main on this test's class path; the
        // packaged folder (../PLUGIN-MODULE/target/outpost/ID) works the same, with its own lib/.
        Path folder = Files.createDirectories(plugins.resolve("greeter"));
        Files.writeString(folder.resolve("plugin.json"), "{\"id\": \"greeter\", \"command\": "
                + json(PluginExtension.javaMain(GreeterPlugin.class)) + "}");

        try (GreeterHost host = new GreeterHost(plugins)) {
            assertEquals(Map.of("greeter", "Hello, Grace!"), host.greetings("Grace"));
            assertEquals(Map.of("greeter", "refused: a name is needed, got ''"), host.greetings(""));
        }
    }

    private static String json(List<String> strings) {
        return strings.stream()
                .map(s -> '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"')
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
