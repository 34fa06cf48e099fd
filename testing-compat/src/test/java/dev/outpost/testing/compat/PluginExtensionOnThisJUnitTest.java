package dev.outpost.testing.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.testing.PluginExtension;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * outpost-testing on the JUnit of the module that runs this: the module's junit-bom decides which
 * Jupiter is on the class path, outpost-testing brings none of its own.
 */
class PluginExtensionOnThisJUnitTest {

    @RegisterExtension
    static final PluginExtension IN_PROCESS = PluginExtension.inProcess(GreeterPlugin.HANDSHAKE)
            .plugin("greeter", Greeter.class, new GreeterPlugin())
            .build();

    @Test
    void theJupiterOnTheClassPathIsTheProjects() {
        assertEquals(System.getProperty("outpost.expected.junit"), Test.class.getPackage().getImplementationVersion());
    }

    @Test
    void anInProcessPluginIsInjected(Greeter greeter) {
        assertEquals("hello junit from pid " + ProcessHandle.current().pid(), greeter.greet("junit"));
    }

    @Nested
    class Launched {
        @RegisterExtension
        final PluginExtension launched = PluginExtension.launch(ClientConfig.builder()
                .handshake(GreeterPlugin.HANDSHAKE)
                .command(PluginExtension.javaMain(GreeterPlugin.class))
                .plugin("greeter", Greeter.class)
                .build());

        @Test
        void aLaunchedPluginRunsInItsOwnProcess() {
            // two extensions here: their fields, not injection (both would resolve the parameters)
            PluginClient client = launched.client();
            assertEquals("hello junit from pid " + client.pid(), launched.dispense("greeter", Greeter.class).greet("junit"));
            assertNotEquals(ProcessHandle.current().pid(), client.pid());
        }
    }
}
