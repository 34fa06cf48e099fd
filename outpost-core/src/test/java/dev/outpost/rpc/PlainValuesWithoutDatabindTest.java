package dev.outpost.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.HandshakeConfig;
import dev.outpost.fixtures.Gadget;
import dev.outpost.fixtures.GadgetPlugin;
import dev.outpost.fixtures.Greeter;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.RemoteGreeterPlugin;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin whose interface takes and returns only strings, scalars and byte arrays serves its calls without
 * loading Jackson databind (its mapper and the JDK's locale data it pulls in stay out of the plugin's
 * memory); one with records loads it, so the check below can see it.
 */
@ExtendWith(LeakCheck.class)
class PlainValuesWithoutDatabindTest {

    @Test
    void aPluginOfStringsServesCallsWithoutDatabind(@TempDir Path dir) throws Exception {
        Path classes = dir.resolve("greeter-classes.log");
        try (PluginClient plugin = start(RemoteGreeterPlugin.class, RemoteGreeterPlugin.HANDSHAKE, "greeter",
                Greeter.class, classes)) {
            assertThat(plugin.dispense("greeter", Greeter.class).greet("ada")).startsWith("hello ada from pid ");
            plugin.close();
            plugin.onExit().get(30, TimeUnit.SECONDS);
        }
        assertThat(Files.readString(classes)).contains("dev.outpost.rpc.ValueCodec$Scalar ")
                .doesNotContain("tools.jackson.databind.");
    }

    @Test
    void aPluginWithRecordsLoadsDatabind(@TempDir Path dir) throws Exception {
        Path classes = dir.resolve("gadget-classes.log");
        try (PluginClient plugin = start(GadgetPlugin.class, GadgetPlugin.HANDSHAKE, "gadget", Gadget.class,
                classes)) {
            Gadget gadget = plugin.dispense("gadget", Gadget.class);
            assertThat(gadget.read(new Gadget.Reading("hall", 21.5, Instant.EPOCH, List.of(), Map.of()))).isNotNull();
            plugin.close();
            plugin.onExit().get(30, TimeUnit.SECONDS);
        }
        assertThat(Files.readString(classes)).contains("tools.jackson.databind.json.JsonMapper ");
    }

    private static PluginClient start(Class<?> main, HandshakeConfig handshake, String name,
                                      Class<?> type, Path classes) throws IOException {
        List<String> command = new ArrayList<>(TestJvm.of(main));
        command.add(1, "-Xlog:class+load=info:file=" + classes);
        return PluginClient.start(ClientConfig.builder().name(name).handshake(handshake).command(command)
                .plugin(name, type).build());
    }
}
