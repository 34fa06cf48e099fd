package dev.outpost.host;

import dev.outpost.Network;
import dev.outpost.PluginStartException;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how a plugin's process runs: the host prepares the command, its environment and its socket
 * directory, and a runner starts it. The default, {@link #local()}, starts it as a child process of this
 * JVM, as go-plugin does; {@link Sandbox} starts it confined by bubblewrap. Set with
 * {@link ClientConfig.Builder#runner(Runner)}.
 *
 * <p>The host does everything else the same whatever the runner: it reads the plugin's stdout and
 * stderr from the returned process's pipes, waits for its exit through {@link Process#onExit()}, stops
 * it with SIGTERM then SIGKILL through {@link Process#toHandle()}, kills what it left behind, and removes
 * its socket directory. A runner that puts the plugin somewhere its addresses look different (another
 * file system or network namespace) translates them in {@link Launched}.
 *
 * <p>Implementations must be thread-safe: one runner may start several plugins at once.
 */
@FunctionalInterface
public interface Runner {

    /**
     * Starts one process of the plugin.
     *
     * @return the started process; the host owns it from now on
     * @throws IOException          when the process cannot be started (the host reports it as a launch
     *                              failure of the command, with the operating system's reason)
     * @throws PluginStartException when the runner cannot run plugins at all here, with its reason and a
     *                              {@link PluginStartException#kind() kind} saying whether a retry can help
     */
    Launched start(Launch launch) throws IOException;

    /** Today's plugin process: a child of this JVM, started with {@link ProcessBuilder}, nothing added. */
    static Runner local() {
        return LocalRunner.INSTANCE;
    }

    /**
     * What to start.
     *
     * @param pluginName      the plugin's name, for messages
     * @param command         the program and its arguments, the program as the host would execute it
     * @param environment     the plugin's whole environment, the go-plugin variables included
     * @param workingDirectory where to start it; empty for the host's working directory
     * @param stdin           the plugin's stdin
     * @param socketDirectory the plugin's private socket directory ({@code PLUGIN_UNIX_SOCKET_DIR}): the
     *                        plugin listens in it, and so does the host for brokered connections
     * @param inputs          files and directories outside the working directory the command reads: its
     *                        program, a Java plugin's JDK, jars and class data archive
     * @param wrapper         what the process must be started through, before the runner's own command
     *                        line (empty without {@link Limits}): it puts itself within the plugin's
     *                        limits, then executes the rest; {@link #processBuilder()} puts it first. A
     *                        runner that does not start through {@code processBuilder()} must refuse a
     *                        launch with a wrapper it cannot honour
     */
    record Launch(String pluginName, List<String> command, Map<String, String> environment,
                  Optional<Path> workingDirectory, Redirect stdin, Path socketDirectory, List<Path> inputs,
                  List<String> wrapper) {
        public Launch {
            Objects.requireNonNull(pluginName, "pluginName");
            command = List.copyOf(command);
            if (command.isEmpty()) {
                throw new IllegalArgumentException("command must not be empty");
            }
            environment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
            Objects.requireNonNull(workingDirectory, "workingDirectory");
            Objects.requireNonNull(stdin, "stdin");
            Objects.requireNonNull(socketDirectory, "socketDirectory");
            inputs = List.copyOf(inputs);
            wrapper = List.copyOf(wrapper);
        }

        /** This launch with {@code command} and {@code environment} instead, for runners that wrap another. */
        public Launch with(List<String> command, Map<String, String> environment) {
            return new Launch(pluginName, command, environment, workingDirectory, stdin, socketDirectory, inputs,
                    wrapper);
        }

        /** A {@link ProcessBuilder} for this launch (the wrapper, then the command), as the local runner starts it. */
        public ProcessBuilder processBuilder() {
            List<String> all = new java.util.ArrayList<>(wrapper);
            all.addAll(command);
            ProcessBuilder builder = new ProcessBuilder(all);
            builder.environment().clear();
            builder.environment().putAll(environment);
            workingDirectory.ifPresent(dir -> builder.directory(dir.toFile()));
            builder.redirectInput(stdin);
            return builder;
        }
    }

    /**
     * One started process of a plugin, as its runner sees it. Only {@link #process()} is required.
     */
    interface Launched {

        /**
         * The process the host watches: its stdout and stderr are the plugin's, it exits when the plugin
         * does (with the plugin's status), and signalling it stops the plugin.
         */
        Process process();

        /**
         * The address at which the host reaches what the plugin listens on at {@code address}: the one in
         * its handshake line and those it announces through the broker. By default the same.
         *
         * @throws IllegalArgumentException when the host cannot reach that address, saying why
         */
        default String pluginToHost(Network network, String address) {
            return address;
        }

        /** The address at which the plugin reaches what the host listens on at {@code address}. By default the same. */
        default String hostToPlugin(Network network, String address) {
            return address;
        }

        /**
         * Why the plugin ended, when the runner knows more than its exit status (a resource limit killed it);
         * called once the process has exited. Empty by default.
         */
        default Optional<String> exitReason(PluginExit exit) {
            return Optional.empty();
        }

        /** Frees what the runner made for this process; called once, after the process is gone. */
        default void release() {
        }
    }
}
