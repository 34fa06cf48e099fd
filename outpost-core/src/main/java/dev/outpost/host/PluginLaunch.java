package dev.outpost.host;

import dev.outpost.PluginStartException;
import dev.outpost.internal.grpc.UnixSocketDir;
import dev.outpost.internal.wire.AutoMtls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one process of a plugin: its socket directory, the verified copy of a checksummed executable,
 * the cgroup of its limits, its environment, its runner, and its orphan guard. What is made is removed
 * again when a later step fails.
 */
final class PluginLaunch {

    private static final Logger LOG = LoggerFactory.getLogger(PluginLaunch.class);

    private PluginLaunch() {
    }

    /**
     * Launches the plugin's command with the go-plugin environment ({@code identity}: the host's AutoMTLS
     * identity, or null), after verifying its checksum if the config has one.
     */
    static PluginProcess launch(ClientConfig config, PluginOutput output, Logger stdoutLogger,
                                AutoMtls.Identity identity) {
        Limits limits = config.limits().orElse(null);
        // First: a plugin whose limits cannot be had is not started, and leaves nothing.
        PluginCgroup cgroup = limits != null && limits.needsCgroup() ? PluginCgroup.create(config.name(), limits) : null;
        try {
            return launch(config, output, stdoutLogger, identity, cgroup);
        } catch (RuntimeException e) {
            if (cgroup != null) {
                cgroup.remove();
            }
            throw e;
        }
    }

    private static PluginProcess launch(ClientConfig config, PluginOutput output, Logger stdoutLogger,
                                        AutoMtls.Identity identity, PluginCgroup cgroup) {
        // A short private directory for the plugin's sockets: go-plugin >= 1.5 and Outpost plugins listen
        // inside it, and the host removes it even after a SIGKILL.
        UnixSocketDir sockets = HostSockets.create(config, "plugin '" + config.name() + "'");
        Path copyDir = null;
        JavaCommand.Launch launch = config.javaCommand().map(JavaCommand::prepare)
                .orElseGet(() -> new JavaCommand.Launch(config.command(), status -> { }));
        List<String> command = launch.command();
        if (config.checksum().isPresent()) {
            command = new ArrayList<>(command);
            try {
                copyDir = copyDir(config, sockets);
                command.set(0, Checksums.verifiedCopy(config, copyDir).toString());
            } catch (RuntimeException e) {
                launch.exited().accept(-1);
                sockets.close();
                UnixSocketDir.deleteRecursively(copyDir);
                throw e;
            }
        }
        Map<String, String> env = new java.util.LinkedHashMap<>(config.skipHostEnv() ? Map.of() : System.getenv());
        env.putAll(config.env());
        env.putAll(HostEnv.of(config, sockets, identity));
        String instance = java.util.UUID.randomUUID().toString();
        env.put(PluginProcess.INSTANCE_ENV, instance);
        List<String> wrapper = config.limits().map(limits -> PluginCgroup.wrapper(cgroup, limits)).orElse(List.of());
        Runner.Launch request = new Runner.Launch(config.name(), command, env, config.workingDirectory(),
                config.stdin(), sockets.path(), inputs(config, command, copyDir), wrapper);
        Runner.Launched launched;
        Process process;
        long launchedAt = System.nanoTime();
        try {
            launched = config.runner().start(request);
            process = launched.process();
        } catch (IOException | RuntimeException e) {
            launch.exited().accept(-1);
            sockets.close();
            UnixSocketDir.deleteRecursively(copyDir);
            if (e instanceof PluginStartException refused) {
                throw refused;
            }
            if (e instanceof RuntimeException unexpected) {
                throw new PluginStartException(config.name(), "plugin '" + config.name() + "': runner "
                        + config.runner() + " cannot launch " + config.command() + ": " + unexpected, List.of(),
                        unexpected);
            }
            String reason = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage()
                    : e.getMessage();
            throw new PluginStartException(config.name(), "plugin '" + config.name() + "': cannot launch "
                    + config.command() + ": " + reason, List.of(), e, StartFailures.ofLaunchError(e));
        }
        process.onExit().thenAccept(exited -> launch.exited().accept(exited.exitValue()));
        LOG.debug("plugin '{}' launched as pid {}: {}", config.name(), process.pid(), command);
        OrphanGuard guard = !config.managed() ? null
                : OrphanGuard.start(config.name(), process.pid(), PluginProcess.INSTANCE_ENV, instance, sockets.path());
        if (guard != null && cgroup != null) {
            cgroup.directories().forEach(guard::alsoRemoveCgroup);
        }
        return new PluginProcess(config, launchedAt, launched, sockets, copyDir, cgroup, output, stdoutLogger,
                instance, guard);
    }

    /**
     * What the command reads outside its working directory, for runners that show the plugin only part of
     * the file system: its program, and for a Java plugin the JDK, the class path and the class data cache.
     */
    private static List<Path> inputs(ClientConfig config, List<String> command, Path copyDir) {
        List<Path> inputs = new ArrayList<>();
        Path program = Path.of(command.get(0));
        if (program.isAbsolute()) {
            inputs.add(program);
        }
        if (copyDir != null) {
            inputs.add(copyDir);
        }
        config.javaCommand().ifPresent(java -> {
            inputs.add(java.javaHome());
            inputs.addAll(java.classPath());
            java.cacheDirectory().ifPresent(inputs::add);
        });
        return inputs;
    }

    /**
     * The directory for the verified copy of a checksummed executable. With a group, the socket directory
     * is the group's to write: one of its members could swap the copy between the check and the launch,
     * so the copy gets a directory of its own that only this user can change.
     */
    private static Path copyDir(ClientConfig config, UnixSocketDir sockets) {
        if (config.unixSocketGroup().isEmpty()) {
            return sockets.path();
        }
        try {
            return UnixSocketDir.createPrivateDirectory(sockets.path().getParent());
        } catch (IOException e) {
            throw new PluginStartException(config.name(), "plugin '" + config.name() + "': cannot make a private "
                    + "directory for the verified executable: " + e.getMessage(), List.of(), e);
        }
    }
}
