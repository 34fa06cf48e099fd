package ${package};

import dev.outpost.plugin.PluginServer;
import dev.outpost.plugin.ServeConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The plugin: a plain implementation of {@link Greeter}, served from {@code main}. */
public final class GreeterPlugin implements Greeter {

    private static final Logger log = LoggerFactory.getLogger(GreeterPlugin.class);

    /** Serves one instance until the host stops the plugin; never print to stdout before this. */
    public static void main(String[] args) {
        PluginServer.serve(ServeConfig.builder()
                .handshake(GreeterPlugins.HANDSHAKE)
                .plugin(GreeterPlugins.PLUGIN_NAME, Greeter.class, new GreeterPlugin())
                .build());
    }

    @Override
    public String greet(String name) throws InvalidNameException {
        if (name == null || name.isBlank()) {
            throw new InvalidNameException("a name is needed, got '" + name + "'");
        }
        log.info("greeting {}", name);   // reaches the host's log at INFO
        return "Hello, " + name + "!";
    }
}
