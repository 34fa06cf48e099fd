package dev.outpost.manager;

import dev.outpost.host.ClientConfig;
import dev.outpost.host.Container;
import dev.outpost.host.PluginClient;
import dev.outpost.PluginStartException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The making of one plugin's processes: each launch's configuration from the plugin's entry as it is
 * at that moment, what the plugin wrote on stderr (the last lines, kept across its processes), its
 * manifest asked of the plugin, and the start hooks run on each new process.
 */
final class PluginProcesses {

    private static final Logger LOG = LoggerFactory.getLogger(ManagedPlugin.class);
    private static final int STDERR_TAIL = 20;

    private final Supervisor supervisor;
    private final ManagerSettings settings;
    private final String id;
    /** Guarded by itself. */
    private final Deque<String> stderrTail = new ArrayDeque<>();

    PluginProcesses(Supervisor supervisor, String id) {
        this.supervisor = supervisor;
        this.settings = supervisor.settings();
        this.id = id;
    }

    /**
     * Launches a process from {@code source}, read when the launch gets its turn.
     *
     * @return the process, or empty when the manager is closing
     * @throws PluginStartException when it cannot start (a changed checksum, say)
     * @throws Launcher.Interrupted when the calling thread is interrupted while it waits for its turn
     */
    Optional<PluginClient> launch(Supplier<PluginSource> source) {
        if (source.get().remote().isPresent()) {
            return supervisor.connect(() -> {
                PluginSource current = source.get();
                return PluginClient.remote(settings.clientTemplate(id).handshake(settings.handshakeFor(current))
                        .build(), current.remote().orElseThrow());
            });
        }
        return supervisor.launch(() -> config(source.get()));
    }

    private ClientConfig config(PluginSource current) {
        ClientConfig.Builder config = settings.clientTemplate(id)
                .handshake(settings.handshakeFor(current))
                .workingDirectory(current.workingDir())
                .env(current.env())
                .stderr(this::rememberStderr);
        current.java().ifPresentOrElse(config::command, () -> config.command(current.command()));
        current.runner().ifPresent(config::runner);
        if (current.runner().orElse(null) instanceof Container) {
            config.multiplexBroker(true); // a container plugin is reached over its one socket, as Vault's are
        }
        current.limits().ifPresent(config::limits);
        if (current.checked().isPresent() && current.manifest().map(Manifest::sha256).isPresent()) {
            // Checked again at each launch: the file may have changed since the directory was read.
            String problem = PluginDirectory.checksumProblem(current.checked().get(), current.manifest().get().sha256());
            if (problem != null) {
                // Only another file can pass: a watched directory reloads the plugin when it changes.
                throw new PluginStartException(id, problem, List.of(), null,
                        PluginStartException.Kind.CHECKSUM_MISMATCH);
            }
        }
        return config.build();
    }

    /** The manifest {@code client} gives of itself; empty without a reader, or when it fails (logged). */
    Optional<Manifest> askManifest(PluginClient client) {
        if (settings.manifestReader == null) {
            return Optional.empty();
        }
        try {
            return settings.manifestReader.read(client);
        } catch (RuntimeException e) {
            LOG.warn("plugin '{}': cannot read its manifest from the plugin ({}): {}", id, Generation.where(client),
                    e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Runs every {@link StartHook}, in order, until one throws.
     *
     * @return null when all ran, else why the start fails: which hook (by its place) and what it threw
     */
    String runHooks(PluginClient client) {
        List<StartHook> hooks = settings.startHooks;
        for (int i = 0; i < hooks.size(); i++) {
            try {
                hooks.get(i).onStart(id, client);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                return "start hook " + (i + 1) + " of " + hooks.size() + " failed on " + Generation.where(client) + ": "
                        + e.getClass().getName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
            }
        }
        return null;
    }

    /** The last lines the plugin's processes wrote on stderr, oldest first. */
    List<String> stderrTail() {
        synchronized (stderrTail) {
            return List.copyOf(stderrTail);
        }
    }

    private void rememberStderr(String line) {
        synchronized (stderrTail) {
            if (stderrTail.size() == STDERR_TAIL) {
                stderrTail.removeFirst();
            }
            stderrTail.addLast(line.length() > 500 ? line.substring(0, 500) + "…" : line);
        }
    }
}
