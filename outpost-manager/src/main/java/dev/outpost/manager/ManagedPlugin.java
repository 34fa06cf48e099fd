package dev.outpost.manager;

import dev.outpost.PluginTimeoutException;
import dev.outpost.PluginUnavailableException;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.host.PluginExit;
import dev.outpost.host.PluginStartException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One supervised plugin: its state machine, its current process (a generation), and what happens on
 * a crash. State lives under this object's monitor; launching and stopping processes happen outside
 * it, so that a slow plugin never blocks queries or other plugins.
 */
final class ManagedPlugin {

    private static final Logger LOG = LoggerFactory.getLogger(ManagedPlugin.class);
    private static final int STDERR_TAIL = 20;
    /** Enough to see a crash loop and what came before it, small enough to keep for every plugin. */
    static final int RECENT_EVENTS = 50;

    /** One process of the plugin, with the calls running on it. */
    static final class Generation {
        final PluginClient client;
        final Instant startedAt = Instant.now();
        private final Map<String, Object> dispensed = new ConcurrentHashMap<>();
        private int inFlight;

        Generation(PluginClient client) {
            this.client = client;
        }

        Object dispense(String name, Class<?> type) {
            return dispensed.computeIfAbsent(name + "/" + type.getName(), key -> client.dispense(name, type));
        }
    }

    private final PluginManager manager;
    private final ManagerSettings settings;
    private final String id;
    private PluginSource source;
    private PluginState state = PluginState.LOADING;
    private Generation generation;
    private Manifest pluginManifest;
    private int restarts;
    private final Deque<Instant> recentCrashes = new ArrayDeque<>();
    private String lastError;
    private Integer lastExitCode;
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final Deque<PluginEvent> recentEvents = new ArrayDeque<>();
    private int failedHealthChecks;
    private int timedOutCalls;
    private ScheduledFuture<?> pending;
    private ScheduledFuture<?> healthCheck;
    /**
     * Starts and reloads under way: each may launch a process that is not yet this plugin's generation.
     * Stopping waits for them, so that it leaves no process behind.
     */
    private int launching;

    ManagedPlugin(PluginManager manager, PluginSource source) {
        this.manager = manager;
        this.settings = manager.settings();
        this.id = source.id();
        this.source = source;
    }

    String id() {
        return id;
    }

    synchronized PluginSource source() {
        return source;
    }

    synchronized PluginState state() {
        return state;
    }

    synchronized PluginInfo info() {
        Manifest manifest = source.manifest().map(m -> m.fillFrom(pluginManifest)).orElse(pluginManifest);
        return new PluginInfo(id, source.path(), Optional.ofNullable(manifest), state,
                generation == null ? OptionalLong.empty() : OptionalLong.of(generation.client.pid()),
                generation == null ? Optional.empty() : Optional.of(generation.startedAt), restarts,
                Optional.ofNullable(lastError), lastExitCode == null ? OptionalInt.empty() : OptionalInt.of(lastExitCode),
                List.copyOf(stderrTail), generation == null ? Optional.empty() : generation.client.usage());
    }

    /** Its last state changes, oldest first, at most {@link #RECENT_EVENTS}. */
    synchronized List<PluginEvent> recentEvents() {
        return List.copyOf(recentEvents);
    }

    /** Moves to {@code next}; the table in {@link PluginState} forbids every other move. Holds the monitor. */
    private void move(PluginState next, String reason) {
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException("plugin '" + id + "': illegal move " + state + " -> " + next);
        }
        PluginState previous = state;
        state = next;
        notifyAll();
        PluginEvent event = new PluginEvent(id, previous, next, reason, Instant.now(), info());
        if (recentEvents.size() == RECENT_EVENTS) {
            recentEvents.removeFirst();
        }
        recentEvents.addLast(event);
        manager.publish(event);
    }

    /** First step after discovery: a bad source fails at once, a good one starts unless disabled. */
    synchronized void load(boolean startIt) {
        if (source.error().isPresent()) {
            lastError = source.error().get();
            move(PluginState.FAILED, lastError);
        } else if (startIt) {
            manager.execute(this::start);
        } else {
            move(PluginState.STOPPED, "loaded, not started");
        }
    }

    /** Starts a process unless one is running or starting. Blocks while the plugin launches. */
    void start() {
        synchronized (this) {
            if (state == PluginState.LOADING && source.error().isPresent()) {
                return;
            }
            if (!state.canMoveTo(PluginState.STARTING) || state == PluginState.RUNNING) {
                return;
            }
            // Read under this monitor, as the close that stops this plugin takes it after setting the
            // flag: a start either sees the close coming or is seen starting by it, and stopped.
            if (manager.closing()) {
                return;
            }
            cancelPending();
            launching++;
            move(PluginState.STARTING, state == PluginState.RESTARTING ? "restart " + restarts : "");
        }
        PluginClient client;
        try {
            Optional<PluginClient> launched = manager.launch(this::clientConfig);
            if (launched.isEmpty()) {
                launched(); // the manager is closing: the close stops this plugin
                return;
            }
            client = launched.get();
        } catch (PluginStartException | IllegalArgumentException e) {
            launched();
            if (e instanceof PluginStartException failure && failure.permanent()) {
                cannotStart(failure);
            } else {
                crashed(null, e.getMessage(), null);
            }
            return;
        }
        Generation started = new Generation(client);
        // Before RUNNING, so that a running plugin always has its manifest.
        readManifest(started);
        boolean wanted;
        synchronized (this) {
            wanted = state == PluginState.STARTING;
            if (wanted) {
                launched();
                generation = started;
                failedHealthChecks = 0;
                timedOutCalls = 0;
                move(PluginState.RUNNING, "pid " + client.pid());
                scheduleHealthChecks();
            }
        }
        if (!wanted) {
            // Stopped while it launched: this process is not wanted any more. Closed before the launch
            // counts as over, so that the stop waiting for it returns once the process is gone.
            client.close();
            launched();
            return;
        }
        client.onExit().thenAccept(exit -> exited(started, exit));
    }

    /**
     * A start that fails the same way until the plugin's files or the host's configuration change (a
     * wrong cookie, a missing command...): FAILED at once, no restart. {@code restart} (or {@code disable}
     * and {@code enable}) or a changed file in a watched directory try again.
     */
    private synchronized void cannotStart(PluginStartException failure) {
        if (state != PluginState.STARTING) {
            return; // stopped while it launched
        }
        lastError = failure.getMessage();
        move(PluginState.FAILED, failure.getMessage());
    }

    /** A launch begun by {@link #start} or {@link #reload} is over, one way or the other. */
    private synchronized void launched() {
        launching--;
        notifyAll();
    }

    private void readManifest(Generation started) {
        synchronized (this) {
            if (pluginManifest != null || settings.manifestReader == null) {
                return;
            }
        }
        try {
            Optional<Manifest> read = settings.manifestReader.read(started.client);
            synchronized (this) {
                pluginManifest = read.orElse(null);
            }
        } catch (RuntimeException e) {
            LOG.warn("plugin '{}': cannot read its manifest from the plugin: {}", id, e.getMessage());
        }
    }

    private ClientConfig clientConfig() {
        PluginSource current = source();
        ClientConfig.Builder config = settings.clientTemplate(id)
                .handshake(settings.handshakeFor(current))
                .workingDirectory(current.workingDir())
                .env(current.env())
                .stderr(this::rememberStderr);
        current.java().ifPresentOrElse(config::command, () -> config.command(current.command()));
        current.sandbox().ifPresent(config::runner);
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

    private synchronized void rememberStderr(String line) {
        if (stderrTail.size() == STDERR_TAIL) {
            stderrTail.removeFirst();
        }
        stderrTail.addLast(line.length() > 500 ? line.substring(0, 500) + "…" : line);
    }

    /** The process of {@code ended} exited; a crash unless it was asked to stop. */
    private void exited(Generation ended, PluginExit exit) {
        synchronized (this) {
            if (generation != ended) {
                return; // stopped, reloaded or already handled
            }
            lastExitCode = exit.exitCode();
        }
        crashed(ended, "process " + exit.describe(), exit);
    }

    /**
     * The plugin stopped working: a failed start, an exit, failed health checks or hung calls. Moves to
     * CRASHED, then to RESTARTING or, past the restart policy, to FAILED.
     */
    private void crashed(Generation ended, String reason, PluginExit exit) {
        Generation toClose;
        synchronized (this) {
            if (ended != null && generation != ended) {
                return;
            }
            if (state != PluginState.RUNNING && state != PluginState.STARTING) {
                return;
            }
            toClose = generation;
            generation = null;
            cancelHealthChecks();
            lastError = reason;
            move(PluginState.CRASHED, reason);
            RestartPolicy policy = settings.restartPolicy;
            if (!policy.allowsRestart(recentCrashes, Instant.now())) {
                move(PluginState.FAILED, "gave up after " + policy.maxRestarts() + " restarts within "
                        + policy.window() + "; last error: " + reason);
            } else {
                restarts++;
                Duration delay = policy.delay(recentCrashes.size(), manager.random());
                move(PluginState.RESTARTING, "in " + delay.toMillis() + " ms");
                pending = manager.schedule(this::start, delay);
            }
        }
        if (toClose != null) {
            // Reaps the process (or kills it when it hangs) and removes its sockets.
            manager.execute(toClose.client::close);
        }
    }

    /** Stops the plugin (and forgets a scheduled restart). Blocks until its process is gone. */
    void stop(PluginState target, String reason) {
        Generation toClose;
        synchronized (this) {
            cancelPending();
            cancelHealthChecks();
            if (state == PluginState.RUNNING || state == PluginState.STARTING) {
                move(PluginState.STOPPING, reason);
            }
            toClose = generation;
            generation = null;
            awaitLaunch();
        }
        if (toClose != null) {
            drain(toClose);
            toClose.client.close();
        }
        synchronized (this) {
            if (state != target && state.canMoveTo(target)) {
                move(target, reason);
            }
        }
    }

    /** Waits (bounded) for a launch in progress to end, so that stopping leaves no process behind. */
    private synchronized void awaitLaunch() {
        if (!waitUntil(() -> launching == 0, settings.startTimeout.plusSeconds(5))) {
            LOG.warn("plugin '{}': still launching while being stopped", id);
        }
    }

    /** Allows a FAILED or DISABLED plugin to run again and starts it. */
    void restartByHand() {
        stop(PluginState.STOPPED, "restart requested");
        synchronized (this) {
            restarts = 0;
            recentCrashes.clear();
        }
        start();
    }

    void enable() {
        synchronized (this) {
            if (state != PluginState.DISABLED) {
                return;
            }
            restarts = 0;
            recentCrashes.clear();
        }
        start();
    }

    /**
     * Starts a new process from {@code newSource}, waits until it is healthy, sends new calls to it, lets
     * the calls in flight on the old one finish, then stops the old one. If the new one cannot start,
     * the old one keeps serving and the reason is thrown.
     */
    void reload(PluginSource newSource) {
        synchronized (this) {
            if (state != PluginState.RUNNING) {
                throw new IllegalStateException("plugin '" + id + "' is " + state + ", not RUNNING: nothing to reload");
            }
        }
        if (newSource.error().isPresent()) {
            throw new PluginStartException(id, "plugin '" + id + "': not reloaded, the old version keeps running: "
                    + newSource.error().get(), List.of(), null);
        }
        PluginSource previous;
        String before;
        synchronized (this) {
            if (manager.closing()) {
                throw new IllegalStateException("plugin '" + id + "' not reloaded: the plugin manager is closing");
            }
            before = info().manifest().map(Manifest::version).orElse("?");
            previous = source;
            source = newSource;
            launching++;
        }
        try {
            swapIn(before, previous);
        } finally {
            launched();
        }
    }

    /** The rest of {@link #reload}, counted as a launch until the process it replaces is gone. */
    private void swapIn(String before, PluginSource previous) {
        Optional<PluginClient> launched;
        try {
            launched = manager.launch(this::clientConfig);
        } catch (RuntimeException e) {
            synchronized (this) {
                source = previous;
            }
            throw new PluginStartException(id, "plugin '" + id + "': not reloaded, the old version keeps running: "
                    + e.getMessage(), List.of(), e);
        }
        if (launched.isEmpty()) {
            synchronized (this) {
                source = previous;
            }
            throw new IllegalStateException("plugin '" + id + "' not reloaded: the plugin manager is closing");
        }
        PluginClient client = launched.get();
        Generation fresh = new Generation(client);
        Manifest freshManifest = null;
        if (settings.manifestReader != null) {
            try {
                freshManifest = settings.manifestReader.read(client).orElse(null);
            } catch (RuntimeException e) {
                LOG.warn("plugin '{}': cannot read the new version's manifest: {}", id, e.getMessage());
            }
        }
        Generation old = null;
        synchronized (this) {
            if (state == PluginState.RUNNING) {
                old = generation;
                generation = fresh;
                pluginManifest = freshManifest;
                String after = info().manifest().map(Manifest::version).orElse("?");
                move(PluginState.RUNNING, "reloaded " + before + " -> " + after + ", pid " + client.pid());
            }
        }
        if (old == null) {
            client.close();
            throw new IllegalStateException("plugin '" + id + "' stopped during the reload");
        }
        client.onExit().thenAccept(exit -> exited(fresh, exit));
        drain(old);
        old.client.close();
    }

    /** Waits (bounded) until no call runs on {@code old} any more; new calls already go elsewhere. */
    private synchronized void drain(Generation old) {
        if (!waitUntil(() -> old.inFlight == 0, settings.drainTimeout)) {
            LOG.warn("plugin '{}': {} calls still running on pid {} after {} ms; stopping it anyway", id,
                    old.inFlight, old.client.pid(), settings.drainTimeout.toMillis());
        }
    }

    /** Waits on this monitor, at most {@code timeout}, until {@code done}; false on timeout or interrupt. */
    private boolean waitUntil(java.util.function.BooleanSupplier done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * The generation calls should use now, counted as one more call in flight; waits up to {@code wait}
     * while the plugin is (re)starting.
     */
    synchronized Generation enter(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (generation == null || state != PluginState.RUNNING || generation.client.exited()) {
            if (generation != null && generation.client.exited()) {
                // The process is gone but its exit is not handled yet: handle it now rather than send a
                // call that cannot succeed.
                exited(generation, generation.client.onExit().join());
                continue;
            }
            long left = deadline - System.nanoTime();
            boolean willComeBack = state == PluginState.STARTING || state == PluginState.RESTARTING
                    || state == PluginState.CRASHED || state == PluginState.LOADING;
            if (!willComeBack || left <= 0) {
                throw new PluginUnavailableException(id, "plugin '" + id + "' is " + state
                        + (willComeBack ? " (waited " + wait.toMillis() + " ms)" : "")
                        + (lastError != null ? "; last error: " + lastError : ""));
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PluginUnavailableException(id, "interrupted waiting for plugin '" + id + "'");
            }
        }
        generation.inFlight++;
        return generation;
    }

    synchronized void exit(Generation used) {
        if (--used.inFlight == 0) {
            notifyAll();
        }
    }

    /** A call on {@code used} timed out; enough in a row mean the plugin hangs. */
    void callTimedOut(Generation used, PluginTimeoutException e) {
        int limit = settings.hungCallLimit;
        boolean hung;
        synchronized (this) {
            if (generation != used || limit <= 0) {
                return;
            }
            hung = ++timedOutCalls >= limit;
        }
        if (hung) {
            crashed(used, timedOutCalls + " calls in a row timed out; last: " + e.getMessage(), null);
        }
    }

    synchronized void callSucceeded(Generation used) {
        if (generation == used) {
            timedOutCalls = 0;
        }
    }

    private void scheduleHealthChecks() {
        Duration every = settings.healthCheckInterval;
        if (every.isZero()) {
            return;
        }
        Generation checked = generation;
        healthCheck = manager.scheduleAtFixedRate(() -> checkHealth(checked), every);
    }

    private void checkHealth(Generation checked) {
        try {
            checked.client.ping(settings.healthCheckTimeout);
            synchronized (this) {
                failedHealthChecks = 0;
            }
        } catch (PluginUnavailableException e) {
            boolean dead;
            synchronized (this) {
                if (generation != checked) {
                    return;
                }
                dead = ++failedHealthChecks >= settings.healthCheckFailures;
            }
            LOG.warn("plugin '{}': health check failed: {}", id, e.getMessage());
            if (dead) {
                crashed(checked, failedHealthChecks + " health checks in a row failed; last: " + e.getMessage(), null);
            }
        }
    }

    private void cancelPending() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    private void cancelHealthChecks() {
        if (healthCheck != null) {
            healthCheck.cancel(false);
            healthCheck = null;
        }
    }
}
