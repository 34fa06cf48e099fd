package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.Gadget;
import dev.outpost.fixtures.GadgetPlugin;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension as a plugin author uses it, with a real process from a main class of the test classpath. */
@ExtendWith(LeakCheck.class)
class LaunchedExtensionTest {

    @RegisterExtension
    static final PluginExtension gadgets = PluginExtension.launch(ClientConfig.builder()
            .name("gadget")
            .handshake(GadgetPlugin.HANDSHAKE)
            .command(PluginExtension.javaMain(GadgetPlugin.class))
            .plugin("gadget", Gadget.class)
            .build());

    @Test
    void injectsTheDispensedInterfaceOfARealProcess(Gadget gadget, PluginClient client) {
        assertThat(client.isInProcess()).isFalse();
        assertThat(client.pid()).isNotEqualTo(ProcessHandle.current().pid());
        assertThat(ProcessHandle.of(client.pid())).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
        assertThat(gadget.add(40, 2)).isEqualTo(42);
        List<String> events = new CopyOnWriteArrayList<>();
        gadget.subscribe(events::add);
        gadget.fire("knock");
        assertThat(events).containsExactly("knock");
    }

    @Test
    void javaMainRunsAMainClassOfTheTestClasspath() {
        List<String> command = PluginExtension.javaMain(GadgetPlugin.class, "--flag");
        assertThat(command.get(0)).endsWith("/bin/java");
        assertThat(command).endsWith(GadgetPlugin.class.getName(), "--flag")
                .contains("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        assertThat(command.get(command.indexOf("-cp") + 1)).contains("test-classes");
    }
}
