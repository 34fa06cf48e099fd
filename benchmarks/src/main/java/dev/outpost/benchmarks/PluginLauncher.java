package dev.outpost.benchmarks;

import dev.outpost.grpc.GrpcClientPlugin;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.plugin.slf4j.OutpostServiceProvider;
import dev.outpost.rpc.InterfacePlugin;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Starts a plugin as a separate JVM with this JVM's java binary and class path (inside the shaded jar,
 * the jar itself), so both modes run the same code base with the same flags.
 */
final class PluginLauncher {

    /**
     * The plugin JVMs' flags, the same for every plugin; override with
     * {@code -jvmArgsAppend -Doutpost.bench.pluginJvmArgs="..."} (space separated).
     */
    static final String JVM_ARGS_PROPERTY = "outpost.bench.pluginJvmArgs";
    static final String DEFAULT_JVM_ARGS = "-Xms256m -Xmx256m -XX:+UseSerialGC";

    /**
     * This jar holds slf4j-simple for its hosts as well, and SLF4J would bind a plugin to whichever provider
     * it finds first; a plugin logs through the provider every real plugin has (as harness.sh's plugins do),
     * without SLF4J's notice of the choice.
     */
    private static final List<String> PLUGIN_LOGGING = List.of(
            "-Dslf4j.provider=" + OutpostServiceProvider.class.getName(), "-Dslf4j.internal.verbosity=WARN");

    private PluginLauncher() {
    }

    /** Launches {@code mainClass} and connects to its plugin {@code "kv"} as {@code plugin}. */
    static PluginClient start(String name, Class<?> mainClass, GrpcClientPlugin<?> plugin) {
        ClientConfig config = ClientConfig.builder()
                .name(name)
                .handshake(KeyValuePlugin.HANDSHAKE)
                .command(command(mainClass))
                .plugin("kv", plugin)
                .build();
        return PluginClient.start(config);
    }

    /** Like {@link #start(String, Class, GrpcClientPlugin)}, for a plain Java interface. */
    static PluginClient start(String name, Class<?> mainClass, Class<?> type) {
        return start(name, mainClass, InterfacePlugin.client(type));
    }

    static List<String> command(Class<?> mainClass) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(jvmArgs());
        command.addAll(PLUGIN_LOGGING);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        return command;
    }

    static List<String> jvmArgs() {
        String args = System.getProperty(JVM_ARGS_PROPERTY, DEFAULT_JVM_ARGS).trim();
        return args.isEmpty() ? List.of() : Arrays.asList(args.split("\\s+"));
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
