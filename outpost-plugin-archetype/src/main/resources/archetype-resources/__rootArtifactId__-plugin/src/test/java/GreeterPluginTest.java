package ${package};

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.host.ClientConfig;
import dev.outpost.testing.PluginExtension;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class GreeterPluginTest {

    /** Served in this JVM over a real socket, with the same codec and error mapping as a process: fast. */
    @Nested
    class InProcess {
        @RegisterExtension
        final PluginExtension plugin = PluginExtension.inProcess(GreeterPlugins.HANDSHAKE)
                .plugin(GreeterPlugins.PLUGIN_NAME, Greeter.class, new GreeterPlugin())
                .build();

        @Test
        void greets(Greeter greeter) throws InvalidNameException {
            assertEquals("Hello, Ada!", greeter.greet("Ada"));
        }

        @Test
        void aBlankNameReachesTheHostAsTheDeclaredException(Greeter greeter) {
            InvalidNameException e = assertThrows(InvalidNameException.class, () -> greeter.greet(" "));
            assertTrue(e.getMessage().contains("a name is needed"), e.getMessage());
        }
    }

    /** The real thing: GreeterPlugin.main in a process of its own, as a host runs it. */
    @Nested
    class AsAProcess {
        @RegisterExtension
        final PluginExtension plugin = PluginExtension.launch(ClientConfig.builder()
                .handshake(GreeterPlugins.HANDSHAKE)
                .command(PluginExtension.javaMain(GreeterPlugin.class))
                .plugin(GreeterPlugins.PLUGIN_NAME, Greeter.class)
                .build());

        @Test
        void greets(Greeter greeter) throws InvalidNameException {
            assertEquals("Hello, Linus!", greeter.greet("Linus"));
        }
    }
}
