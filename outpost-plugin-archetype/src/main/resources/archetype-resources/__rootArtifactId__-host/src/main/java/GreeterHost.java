package ${package};

import dev.outpost.manager.PluginInfo;
import dev.outpost.manager.PluginManager;
import dev.outpost.manager.PluginState;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The host: every plugin of a directory (a folder that outpost-maven-plugin wrote, its zip, a jar...),
 * started, supervised and stopped by a {@link PluginManager}.
 */
public final class GreeterHost implements AutoCloseable {

    private final PluginManager plugins;

    /** Starts every plugin of {@code directory}; a plugin that fails to start is listed with its error. */
    public GreeterHost(Path directory) {
        plugins = PluginManager.builder()
                .directory(directory)
                .handshake(GreeterPlugins.HANDSHAKE)
                .plugin(GreeterPlugins.PLUGIN_NAME, Greeter.class)
                .build();
        plugins.start();
    }

    /** Each plugin's greeting of {@code name}, by plugin id, or why that plugin could not answer. */
    public Map<String, String> greetings(String name) {
        Map<String, String> greetings = new TreeMap<>();
        for (PluginInfo plugin : plugins.plugins()) {
            if (plugin.state() != PluginState.RUNNING) {
                greetings.put(plugin.id(), plugin.state() + ": " + plugin.lastError().orElse("no error"));
                continue;
            }
            Greeter greeter = plugins.dispense(plugin.id(), GreeterPlugins.PLUGIN_NAME, Greeter.class);
            try {
                greetings.put(plugin.id(), greeter.greet(name));
            } catch (InvalidNameException e) {
                greetings.put(plugin.id(), "refused: " + e.getMessage());
            }
        }
        return greetings;
    }

    /** Stops every plugin. */
    @Override
    public void close() {
        plugins.close();
    }

    /** {@code GreeterHost [PLUGINS-DIRECTORY [NAME]]}: "plugins" and "world" by default. */
    public static void main(String[] args) {
        Path directory = Path.of(args.length > 0 ? args[0] : "plugins");
        String name = args.length > 1 ? args[1] : "world";
        try (GreeterHost host = new GreeterHost(directory)) {
            host.greetings(name).forEach((id, greeting) -> System.out.println(id + ": " + greeting));
        }
    }
}
