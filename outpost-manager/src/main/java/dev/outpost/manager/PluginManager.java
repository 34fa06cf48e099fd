package dev.outpost.manager;

import dev.outpost.PluginUnavailableException;
import dev.outpost.grpc.GrpcClientPlugin;
import dev.outpost.internal.grpc.Transport;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.JavaCommand;
import dev.outpost.host.PluginClient;
import dev.outpost.rpc.InterfacePlugin;
import dev.outpost.HandshakeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervises every plugin of a directory: discovers them, starts them, tracks their state, notices a
 * crash the moment the process exits, restarts with back-off, reloads without dropping calls, and
 * stops them all on {@link #close()}.
 *
 * <pre>{@code
 * try (PluginManager plugins = PluginManager.builder()
 *         .directory(Path.of("plugins"))
 *         .handshake(IgluPlugins.HANDSHAKE)
 *         .plugin(IgluPlugins.PLUGIN_NAME, Iglu.class)
 *         .build()) {
 *     plugins.start();
 *     Iglu amazing = plugins.dispense("amazing", IgluPlugins.PLUGIN_NAME, Iglu.class);
 *     amazing.devices();           // survives crashes and reloads of the plugin
 * }
 * }</pre>
 *
 * <p>Each entry of the directory is one plugin, listed under its id. An id claimed by two entries
 * (say, an executable and a folder whose {@code plugin.json} gives the executable's name as its id)
 * fails both, each listed under its file name, with a reason naming both paths; when the manager
 * watches the directory, removing either lets the other start. Entries that are not plugins are
 * reported once each, at WARN, on the logger {@code outpost.directory}, with the reason (not
 * executable, a folder without {@code plugin.json}, a broken link or a symlink loop, unreadable).
 *
 * <p>Thread-safe. Listeners get every state change in order on one event thread.
 */
public final class PluginManager implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PluginManager.class);

    private final ManagerSettings settings;
    private final PluginDirectory directory;
    private final Map<String, ManagedPlugin> plugins = new ConcurrentHashMap<>();
    private final DirectorySync sync;
    private final Lifecycle lifecycle = new Lifecycle();
    private final Supervision supervision;
    /** Set once the start is done, under the lifecycle's monitor. */
    private volatile DirectoryWatcher watcher;

    private PluginManager(ManagerSettings settings) {
        this.settings = settings;
        this.directory = new PluginDirectory(settings.directory, settings.handshake, settings.protocolVersions(),
                settings.hostVersion, settings.jvmOptions, settings.classDataCache,
                settings.unpackDirectory, settings.manifestCookies, settings.sandboxAll);
        this.supervision = new Supervision(settings, lifecycle);
        this.sync = new DirectorySync(supervision, directory, plugins);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the directory and starts every plugin in it (in parallel; returns once each has started,
     * failed, or is being restarted). Then watches the directory if asked to. A manager starts once.
     *
     * <p>A {@link #close()} from another thread while this runs stops every plugin, those still
     * starting too; this then throws {@link IllegalStateException}.
     *
     * @throws UncheckedIOException  when the directory cannot be read (the start may then be tried again)
     * @throws IllegalStateException when started already, closed, or closed while starting
     */
    public void start() {
        lifecycle.start();
        // Watched from before the scan, its events handled once the first plugins are up: an entry that
        // appears while they start is not missed.
        DirectoryWatcher watching;
        try {
            watching = settings.watch ? new DirectoryWatcher(this, directory, settings.settleTime) : null;
        } catch (RuntimeException e) {
            lifecycle.startFailed();
            throw e;
        }
        List<ManagedPlugin> added;
        try {
            added = lifecycle.duringStart(() -> {
                List<ManagedPlugin> found = sync.scan();
                found.forEach(plugin -> plugin.load(true));
                return found;
            });
        } catch (IOException e) {
            closeQuietly(watching);
            lifecycle.startFailed();
            throw new UncheckedIOException("cannot read plugins directory " + directory.directory(), e);
        } catch (RuntimeException e) {
            closeQuietly(watching);
            throw e;
        }
        awaitSettled(added, settings.startTimeout.plusSeconds(5));
        if (!lifecycle.started(() -> {
            if (watching != null) {
                watcher = watching;
                watching.start();
            }
        })) {
            closeQuietly(watching);
            throw lifecycle.closedWhileStarting();
        }
    }

    private static void closeQuietly(DirectoryWatcher watching) {
        if (watching != null) {
            watching.close();
        }
    }

    private void awaitSettled(List<ManagedPlugin> started, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ManagedPlugin plugin : started) {
            synchronized (plugin) {
                while (plugin.state() == PluginState.LOADING || plugin.state() == PluginState.STARTING) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(plugin, left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    /** Every plugin, by id. */
    public List<PluginInfo> plugins() {
        return new TreeMap<>(plugins).values().stream().map(ManagedPlugin::info).toList();
    }

    /** One plugin. */
    public Optional<PluginInfo> plugin(String id) {
        return Optional.ofNullable(plugins.get(id)).map(ManagedPlugin::info);
    }

    /**
     * The plugin's last state changes, oldest first: at most the last 50, since it was found in the
     * directory (a plugin unloaded and found again starts a new history).
     *
     * @throws IllegalArgumentException when there is no such plugin
     */
    public List<PluginEvent> events(String id) {
        return require(id).recentEvents();
    }

    /**
     * A proxy of the plugin interface {@code type}, served as {@code name} by plugin {@code id}, that
     * stays valid across restarts and reloads: while the plugin restarts, a call waits up to {@link
     * Builder#unavailableWait} for it, then fails with {@link PluginUnavailableException} giving the
     * state and the last error. It follows the id: when a watched directory loads the plugin's entry
     * anew (its file removed and put back, say), calls go to the new plugin of that id.
     *
     * <p>A call whose process goes away under it waits for the next process when it cannot have reached
     * the old one (the old one was seen dead before the call was sent, or refused the connection), and
     * otherwise fails with a {@link PluginUnavailableException} that says what became of the process and
     * that the call, which may have run, was not made again. What a process was told (a callback
     * subscribed, say) goes with it: {@link Builder#onStart} tells the next one again.
     *
     * @throws IllegalArgumentException when there is no such plugin or {@code type} was not registered
     */
    public <T> T dispense(String id, String name, Class<T> type) {
        lifecycle.checkOpen("dispense from plugin '" + id + "'");
        ManagedPlugin plugin = require(id);
        if (!settings.registers(name)) {
            throw new IllegalArgumentException("plugin type \"" + name + "\" is not registered with this manager");
        }
        return StableHandle.create(plugin, plugins::get, name, type, settings.unavailableWait, this::callMade);
    }

    /** The plugin's current process, for protobuf clients and the like; empty while it is not running. */
    public Optional<PluginClient> client(String id) {
        ManagedPlugin plugin = require(id);
        try {
            Generation generation = plugin.enter(Duration.ZERO);
            plugin.exit(generation);
            return Optional.of(generation.client);
        } catch (PluginUnavailableException e) {
            return Optional.empty();
        }
    }

    /**
     * Starts a stopped, crashed or failed plugin; resets its restart count. Blocks until it runs or fails.
     *
     * @throws IllegalStateException when its entry cannot run as it is (a bad manifest, an id claimed twice)
     */
    public void restart(String id) {
        lifecycle.checkOpen("restart plugin '" + id + "'");
        runnable(id).restartByHand();
    }

    /**
     * Starts a plugin that is stopped. Blocks until it runs or fails.
     *
     * @throws IllegalStateException when its entry cannot run as it is (a bad manifest, an id claimed twice)
     */
    public void start(String id) {
        lifecycle.checkOpen("start plugin '" + id + "'");
        runnable(id).start();
    }

    /** Stops a plugin; it stays STOPPED until started. Blocks until its process is gone. */
    public void stop(String id) {
        require(id).stop(PluginState.STOPPED, "stop requested");
    }

    /** Stops a plugin and keeps it from starting until {@link #enable}. */
    public void disable(String id) {
        require(id).stop(PluginState.DISABLED, "disabled");
    }

    /**
     * Lets a disabled plugin run again and starts it. Blocks until it runs or fails.
     *
     * @throws IllegalStateException when its entry cannot run as it is (a bad manifest, an id claimed twice)
     */
    public void enable(String id) {
        lifecycle.checkOpen("enable plugin '" + id + "'");
        runnable(id).enable();
    }

    /** Stops a plugin and forgets it (until its entry in the directory changes, when watching). */
    public void unload(String id) {
        ManagedPlugin plugin = require(id);
        plugin.stop(PluginState.STOPPED, "unloaded");
        if (plugins.remove(id, plugin)) {
            sync.forget(plugin.source().path());
        }
    }

    /**
     * Replaces a running plugin's process with a new one from its (possibly changed) files, without
     * failing a call: see {@link ManagedPlugin#reload}.
     *
     * @throws dev.outpost.PluginStartException when the new version cannot start; the old one keeps running
     */
    public void reload(String id) {
        lifecycle.checkOpen("reload plugin '" + id + "'");
        ManagedPlugin plugin = require(id);
        plugin.reload(sync.reread(plugin));
    }

    private void callMade(String pluginId, String method, Duration duration, Throwable failure) {
        for (CallListener listener : settings.callListeners) {
            try {
                listener.onCall(pluginId, method, duration, failure);
            } catch (RuntimeException e) {
                LOG.warn("call listener failed", e);
            }
        }
    }

    public void addListener(PluginListener listener) {
        supervision.addListener(listener);
    }

    public void removeListener(PluginListener listener) {
        supervision.removeListener(listener);
    }

    /**
     * Stops every plugin in parallel, within the close timeout, and the manager's threads. A plugin
     * being launched has its launch broken off (its process killed), and no plugin starts afterwards.
     * Once only: a second call does nothing, and a call while another one runs returns when that one does.
     */
    @Override
    public void close() {
        if (!lifecycle.beginClose()) {
            return;
        }
        try {
            // Launches under way end first: stopping a plugin waits for its launch, which may take the
            // whole start timeout for a plugin that never shakes hands.
            supervision.stopLaunching();
            stopAll();
        } finally {
            lifecycle.closed();
        }
    }

    private void stopAll() {
        closeQuietly(watcher);
        List<Thread> stoppers = new ArrayList<>();
        for (ManagedPlugin plugin : plugins.values()) {
            Thread stopper = new Thread(() -> plugin.stop(PluginState.STOPPED, "manager closing"),
                    "outpost-stop-" + plugin.id());
            stopper.setDaemon(true);
            stopper.start();
            stoppers.add(stopper);
        }
        long deadline = System.nanoTime() + settings.closeTimeout.toNanos();
        for (Thread stopper : stoppers) {
            try {
                stopper.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        // Processes of crashed plugins are reaped on the workers: wait for them too.
        supervision.shutdown(deadline);
    }

    // ---- used by the watcher ----

    ManagedPlugin require(String id) {
        ManagedPlugin plugin = plugins.get(id);
        if (plugin == null) {
            throw new IllegalArgumentException("no plugin '" + id + "' (known: " + new TreeSet<>(plugins.keySet()) + ")");
        }
        return plugin;
    }

    /**
     * A plugin that is not to be started by hand: one whose entry cannot run would be started as the
     * very thing that made it fail (the other claimant of its id, say).
     */
    private ManagedPlugin runnable(String id) {
        ManagedPlugin plugin = require(id);
        Optional<String> error = plugin.source().error();
        if (error.isPresent()) {
            throw new IllegalStateException("plugin '" + id + "' cannot run until its entry "
                    + plugin.source().path() + " is fixed: " + error.get());
        }
        return plugin;
    }

    /** The directory entry changed (or appeared, or vanished): load, reload or unload. */
    void entryChanged(Path entry) {
        if (lifecycle.closing()) {
            return;
        }
        sync.changed(entry);
    }

    /** What this manager was built with. */
    ManagerSettings settings() {
        return settings;
    }

    /** Builds a {@link PluginManager}. */
    public static final class Builder {
        // Read by ManagerSettings, which copies them at build().
        Path directory;
        HandshakeConfig handshake;
        final Map<Integer, Map<String, GrpcClientPlugin<?>>> types = new TreeMap<>();
        RestartPolicy restartPolicy = RestartPolicy.DEFAULT;
        Duration healthCheckInterval = Duration.ofSeconds(2);
        int healthCheckFailures = 3;
        Duration healthCheckTimeout = Duration.ofSeconds(2);
        int hungCallLimit = 0;
        Duration unavailableWait = Duration.ofSeconds(10);
        Duration drainTimeout = Duration.ofSeconds(10);
        Duration startTimeout = Duration.ofSeconds(30);
        Duration callTimeout = Duration.ofSeconds(30);
        Duration closeTimeout = Duration.ofSeconds(15);
        int maxMessageSize = Transport.MAX_MESSAGE_SIZE;
        final Map<String, Integer> maxMessageSizes = new java.util.HashMap<>();
        Duration settleTime = Duration.ofMillis(500);
        boolean watch;
        String hostVersion = "0.0.0";
        List<String> jvmOptions = JavaCommand.DEFAULT_JVM_OPTIONS;
        Path classDataCache = JavaCommand.defaultCacheDirectory();
        Path unpackDirectory = JavaCommand.defaultCacheDirectory().resolveSibling("plugins");
        boolean manifestCookies;
        ManifestReader manifestReader;
        int parallelStarts = Math.max(2, Runtime.getRuntime().availableProcessors());
        boolean sandboxAll;
        final List<PluginListener> listeners = new ArrayList<>();
        final List<CallListener> callListeners = new ArrayList<>();
        final List<StartHook> startHooks = new ArrayList<>();
        /** An {@code OpenTelemetry}, typed so that the builder loads without the API; null: the global one. */
        Object openTelemetry;
        java.util.function.Consumer<ClientConfig.Builder> clientDefaults = config -> { };

        private Builder() {
        }

        /** The plugins directory. Required. */
        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** The handshake every plugin of the directory uses. Required. */
        public Builder handshake(HandshakeConfig handshake) {
            this.handshake = Objects.requireNonNull(handshake, "handshake");
            return this;
        }

        /** Accepts the plain Java interface {@code type} as {@code name}, in the handshake's version. */
        public Builder plugin(String name, Class<?> type) {
            return plugin(name, InterfacePlugin.client(type));
        }

        /** Accepts {@code plugin} as {@code name}, in the handshake's version. */
        public Builder plugin(String name, GrpcClientPlugin<?> plugin) {
            if (handshake == null) {
                throw new IllegalStateException("set the handshake before adding plugin types");
            }
            return plugin(handshake.protocolVersion(), name, plugin);
        }

        /** Accepts {@code plugin} as {@code name} in protocol {@code version}. */
        public Builder plugin(int version, String name, GrpcClientPlugin<?> plugin) {
            types.computeIfAbsent(version, v -> new LinkedHashMap<>()).put(name, plugin);
            return this;
        }

        /** When and how often to restart crashed plugins; default {@link RestartPolicy#DEFAULT}. */
        public Builder restartPolicy(RestartPolicy policy) {
            this.restartPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Health checks: every {@code interval} (zero: none; default 2 s), and how many failures in a row
         * count as a crash (default 3). With the check's timeout ({@link #healthCheckTimeout}), they bound
         * how long a hung plugin (stopped, deadlocked) goes unnoticed: {@code failuresInARow * interval +
         * timeout}, 8 s with the defaults. A healthy plugin answers in milliseconds, even among fifty on a
         * two-core machine under full load (see benchmarks/results/health-soak.md).
         */
        public Builder healthChecks(Duration interval, int failuresInARow) {
            if (failuresInARow < 1) {
                throw new IllegalArgumentException("failuresInARow must be at least 1");
            }
            this.healthCheckInterval = Objects.requireNonNull(interval, "interval");
            this.healthCheckFailures = failuresInARow;
            return this;
        }

        /** How long each health check waits for its answer; default 2 s. */
        public Builder healthCheckTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("health check timeout must be positive, got " + timeout);
            }
            this.healthCheckTimeout = timeout;
            return this;
        }

        /** How many timed-out calls in a row through {@link #dispense} count as a hung plugin; 0 (default): never. */
        public Builder hungCallLimit(int callsInARow) {
            this.hungCallLimit = Math.max(0, callsInARow);
            return this;
        }

        /** How long a call through {@link #dispense} waits for a restarting plugin; default 10 s. */
        public Builder unavailableWait(Duration wait) {
            this.unavailableWait = Objects.requireNonNull(wait, "wait");
            return this;
        }

        /** How long a reload lets calls on the old process finish; default 10 s. */
        public Builder drainTimeout(Duration timeout) {
            this.drainTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Options of every plugin's {@link ClientConfig} that the manager does not have itself: AutoMTLS,
         * broker multiplexing, the graceful timeout, the TCP ports, the socket directory and group, a runner
         * or limits for every plugin, stdout sinks, and any option {@code ClientConfig} gains. {@code
         * defaults} is applied to a fresh {@link ClientConfig.Builder} before each launch; then the manager
         * sets what is its own, which wins: the plugin's name, handshake, plugin types, command, working
         * directory and environment, a tap on its stderr, this builder's start and call timeouts and
         * largest message, and its manifest's sandbox and limits. Replaces the previous value.
         */
        public Builder clientDefaults(java.util.function.Consumer<ClientConfig.Builder> defaults) {
            this.clientDefaults = Objects.requireNonNull(defaults, "defaults");
            return this;
        }

        /** Start timeout of each plugin; default 30 s. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Default deadline of unary calls; default 30 s. */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * The largest message, in bytes, a plugin may send the host (and the host it); default go-plugin's,
         * 2^31 - 1. A message over it fails its call alone ({@code RESOURCE_EXHAUSTED}). The host holds a
         * message whole while it decodes it, in its heap and in direct memory: with the default, one
         * reply of a faulty or hostile plugin can take more memory than the host has. Set a limit that
         * the host's heap can hold a few times over.
         */
        public Builder maxMessageSize(int bytes) {
            this.maxMessageSize = positive(bytes);
            return this;
        }

        /** The largest message for the plugin {@code id}, overriding {@link #maxMessageSize(int)}. */
        public Builder maxMessageSize(String id, int bytes) {
            maxMessageSizes.put(Objects.requireNonNull(id, "id"), positive(bytes));
            return this;
        }

        private static int positive(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxMessageSize must be positive, got " + bytes);
            }
            return bytes;
        }

        /** How long {@link #close} waits for all plugins to stop; default 15 s. */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Watch the directory: load new plugins, reload changed ones, unload removed ones. Default off. */
        public Builder watch(boolean watch) {
            this.watch = watch;
            return this;
        }

        /** How long a changed file must stay unchanged before it is acted on; default 500 ms. */
        public Builder settleTime(Duration settle) {
            this.settleTime = Objects.requireNonNull(settle, "settle");
            return this;
        }

        /** This host's version, checked against manifests' {@code requires}; default 0.0.0. */
        public Builder hostVersion(String version) {
            VersionRange.version(version);
            this.hostVersion = version;
            return this;
        }

        /** JVM options for jar plugins whose manifest gives none; default {@link JavaCommand#DEFAULT_JVM_OPTIONS}. */
        public Builder jvmOptions(List<String> options) {
            this.jvmOptions = List.copyOf(options);
            return this;
        }

        /**
         * Where jar plugins' class data archives are kept (see {@link JavaCommand}); default
         * {@link JavaCommand#defaultCacheDirectory()}.
         */
        public Builder classDataSharing(Path cacheDirectory) {
            this.classDataCache = Objects.requireNonNull(cacheDirectory, "cacheDirectory");
            return this;
        }

        /** Starts jar plugins without class data sharing. */
        public Builder noClassDataSharing() {
            this.classDataCache = null;
            return this;
        }

        /**
         * Where {@code .zip} plugins of the directory are unpacked, one folder per zip content; default
         * {@code plugins} beside {@link JavaCommand#defaultCacheDirectory()} ({@code ~/.cache/outpost/plugins}).
         * Created 0700; it must be this user's and writable by nobody else, as its jars are run.
         */
        public Builder unpackDirectory(Path directory) {
            this.unpackDirectory = Objects.requireNonNull(directory, "directory").toAbsolutePath().normalize();
            return this;
        }

        /**
         * Starts a plugin whose manifest names its {@code magicCookie} with that cookie instead of the
         * handshake's, for a host that supervises plugins made for other hosts (as {@code outpost run} does).
         * Off by default: such a plugin fails at once, "made for another host", when the cookies differ.
         */
        public Builder magicCookieFromManifests(boolean fromManifests) {
            this.manifestCookies = fromManifests;
            return this;
        }

        /** How many plugins may be starting at the same time; default the number of cores, at least 2. */
        /**
         * Runs every plugin in a {@link dev.outpost.host.Sandbox} (default false: only those whose
         * {@code plugin.json} asks for one). A plugin's own {@code "sandbox"} settings still apply; one
         * without them gets the defaults: no network, nothing writable but its socket directory.
         */
        public Builder sandboxAll(boolean sandboxAll) {
            this.sandboxAll = sandboxAll;
            return this;
        }

        public Builder parallelStarts(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("parallelStarts must be at least 1");
            }
            this.parallelStarts = count;
            return this;
        }

        /** How to ask a plugin without {@code plugin.json} for its manifest. */
        public Builder manifestReader(ManifestReader reader) {
            this.manifestReader = Objects.requireNonNull(reader, "reader");
            return this;
        }

        public Builder listener(PluginListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Runs {@code hook} with each new process of every plugin (first start, restart, reload) before
         * calls through {@link #dispense} handles reach it: where a host subscribes its callbacks again,
         * as a new process knows nothing of the old one's. See {@link StartHook}.
         */
        public Builder onStart(StartHook hook) {
            startHooks.add(Objects.requireNonNull(hook, "hook"));
            return this;
        }

        /**
         * Traces with {@code openTelemetry}: the calls to the plugins and their callbacks (as {@link
         * dev.outpost.host.ClientConfig.Builder#openTelemetry}), and each plugin's starts, crashes, restarts and reloads as
         * spans {@code outpost.plugin.start}, {@code .crash}, {@code .restart} and {@code .reload}. By default
         * {@code GlobalOpenTelemetry} whenever one is set, nothing when the OpenTelemetry API is not on the
         * class path; {@code OpenTelemetry.noop()} turns tracing off.
         */
        public Builder openTelemetry(io.opentelemetry.api.OpenTelemetry openTelemetry) {
            this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
            return this;
        }

        /** Told of every call through {@link #dispense} handles, e.g. {@code metrics.PluginMetrics}. */
        public Builder callListener(CallListener listener) {
            callListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * A manager with a copy of this builder's configuration: changing the builder afterwards changes
         * only the managers built after that.
         *
         * @throws NullPointerException     without a directory or a handshake
         * @throws IllegalArgumentException without a plugin type, or when the directory does not exist
         */
        public PluginManager build() {
            return new PluginManager(new ManagerSettings(this));
        }
    }
}
