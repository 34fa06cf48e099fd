package dev.outpost.manager;

import dev.outpost.PluginTimeoutException;
import dev.outpost.PluginUnavailableException;
import dev.outpost.host.PluginClient;
import dev.outpost.host.PluginExit;
import dev.outpost.PluginStartException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
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
    /** Enough to see a crash loop and what came before it, small enough to keep for every plugin. */
    static final int RECENT_EVENTS = 50;

    private final Supervisor manager;
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
    private final Deque<PluginEvent> recentEvents = new ArrayDeque<>();
    private ScheduledFuture<?> pending;
    private final PluginProcesses processes;
    private final HealthChecks healthChecks;
    /**
     * Starts and reloads under way: each may launch a process that is not yet this plugin's generation.
     * Stopping waits for them, so that it leaves no process behind.
     */
    private int launching;

    ManagedPlugin(Supervisor manager, PluginSource source) {
        this.manager = manager;
        this.settings = manager.settings();
        this.id = source.id();
        this.source = source;
        this.processes = new PluginProcesses(manager, id);
        this.healthChecks = new HealthChecks(manager, id);
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
                generation == null || generation.client.isRemote() ? OptionalLong.empty()
                        : OptionalLong.of(generation.client.pid()),
                generation == null ? Optional.empty() : Optional.of(generation.startedAt), restarts,
                Optional.ofNullable(lastError), lastExitCode == null ? OptionalInt.empty() : OptionalInt.of(lastExitCode),
                processes.stderrTail(), generation == null ? Optional.empty() : generation.client.usage());
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
            Optional<PluginClient> launched = processes.launch(this::source);
            if (launched.isEmpty()) {
                launched(); // the manager is closing: the close stops this plugin
                return;
            }
            client = launched.get();
        } catch (Launcher.Interrupted e) {
            launched();
            notStarted("not started: " + e.getMessage());
            return;
        } catch (RuntimeException e) {
            // Whatever the start threw, the plugin leaves STARTING: no failure leaves it there for good.
            launched();
            if (e instanceof PluginStartException failure && failure.permanent()) {
                cannotStart(failure);
            } else {
                crashed(null, e.getMessage(), null);
            }
            return;
        }
        Generation started = new Generation(client);
        // Before RUNNING, so that a running plugin always has its manifest and its callers' subscriptions.
        readManifest(started);
        String hookFailure = processes.runHooks(client);
        if (hookFailure != null) {
            started.retire("failed its start hook");
            client.close();
            launched();
            crashed(null, hookFailure, null);
            return;
        }
        boolean wanted;
        synchronized (this) {
            wanted = state == PluginState.STARTING;
            if (wanted) {
                launched();
                generation = started;
                move(PluginState.RUNNING, Generation.where(client));
                healthChecks.start(started, (dead, reason) -> crashed(dead, reason, null));
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

    /** A start that did not happen, through no fault of the plugin: back to STOPPED, with the reason. */
    private synchronized void notStarted(String reason) {
        if (state == PluginState.STARTING) {
            move(PluginState.STOPPING, reason);
            move(PluginState.STOPPED, reason);
        }
    }

    /** A launch begun by {@link #start} or {@link #reload} is over, one way or the other. */
    private synchronized void launched() {
        launching--;
        notifyAll();
    }

    /** Asks the plugin for its manifest at its first start (or until it gives one). */
    private void readManifest(Generation started) {
        synchronized (this) {
            if (pluginManifest != null) {
                return;
            }
        }
        Optional<Manifest> read = processes.askManifest(started.client);
        synchronized (this) {
            pluginManifest = read.orElse(pluginManifest);
        }
    }

    /** The process of {@code ended} exited; a crash unless it was asked to stop. */
    private void exited(Generation ended, PluginExit exit) {
        synchronized (this) {
            if (generation != ended) {
                return; // stopped, reloaded or already handled
            }
            if (ended.client.isRemote()) {
                // Its connection is lost: no process, no exit status.
                crashed(ended, exit.describe(), exit);
                return;
            }
            lastExitCode = exit.exitCode();
        }
        crashed(ended, "process " + exit.describe(), exit);
    }

    /**
     * The plugin stopped working: a failed start, an exit, failed health checks or hung calls. Moves to
     * CRASHED (UNREACHABLE for a remote plugin, which has no process to crash), then to RESTARTING (for a
     * remote plugin: connecting again) or, past the restart policy, to FAILED.
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
            if (toClose != null) {
                toClose.retire(exit != null ? exit.describe() : "was given up (" + reason + ")");
            }
            healthChecks.cancel();
            lastError = reason;
            move(source.remote().isPresent() ? PluginState.UNREACHABLE : PluginState.CRASHED, reason);
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
            // Reaps the process (or kills it when it hangs) and removes its sockets; a remote one's connection.
            manager.execute(toClose.client::close);
        }
    }

    /** Stops the plugin (and forgets a scheduled restart). Blocks until its process is gone. */
    void stop(PluginState target, String reason) {
        Generation toClose;
        synchronized (this) {
            cancelPending();
            healthChecks.cancel();
            if (state == PluginState.RUNNING || state == PluginState.STARTING) {
                move(PluginState.STOPPING, reason);
            }
            toClose = generation;
            generation = null;
            if (toClose != null) {
                toClose.retire("was stopped (" + reason + ")");
            }
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
            launched = processes.launch(this::source);
        } catch (RuntimeException e) {
            throw notReloaded(previous, e.getMessage(), e);
        }
        if (launched.isEmpty()) {
            restore(previous);
            throw new IllegalStateException("plugin '" + id + "' not reloaded: the plugin manager is closing");
        }
        PluginClient client = launched.get();
        Generation fresh = new Generation(client);
        Manifest freshManifest = processes.askManifest(client).orElse(null);
        String hookFailure = processes.runHooks(client);
        if (hookFailure != null) {
            client.close();
            throw notReloaded(previous, hookFailure, null);
        }
        Generation old = null;
        synchronized (this) {
            if (state == PluginState.RUNNING) {
                old = generation;
                old.retire("was replaced by a reload (calls on it had " + settings.drainTimeout.toMillis()
                        + " ms to finish)");
                generation = fresh;
                pluginManifest = freshManifest;
                String after = info().manifest().map(Manifest::version).orElse("?");
                move(PluginState.RUNNING, "reloaded " + before + " -> " + after + ", " + Generation.where(client));
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

    private synchronized void restore(PluginSource previous) {
        source = previous;
    }

    /** Puts {@code previous} back: the reload failed for {@code why}, and the old process keeps serving. */
    private PluginStartException notReloaded(PluginSource previous, String why, Throwable cause) {
        restore(previous);
        return new PluginStartException(id, "plugin '" + id + "': not reloaded, the old version keeps running: "
                + why, List.of(), cause);
    }

    /** Waits (bounded) until no call runs on {@code old} any more; new calls already go elsewhere. */
    private synchronized void drain(Generation old) {
        if (!waitUntil(() -> old.inFlight == 0, settings.drainTimeout)) {
            LOG.warn("plugin '{}': {} calls still running on {} after {} ms; stopping it anyway", id,
                    old.inFlight, Generation.where(old.client), settings.drainTimeout.toMillis());
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
                generation.exitSeen();
                exited(generation, generation.client.onExit().join());
                continue;
            }
            long left = deadline - System.nanoTime();
            boolean willComeBack = state == PluginState.STARTING || state == PluginState.RESTARTING
                    || state == PluginState.CRASHED || state == PluginState.UNREACHABLE || state == PluginState.LOADING;
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

    /** How many calls run on the current process; for tests. */
    synchronized int callsInFlight() {
        return generation == null ? 0 : generation.inFlight;
    }

    synchronized void exit(Generation used) {
        if (--used.inFlight == 0) {
            notifyAll();
        }
    }

    /** Handles the exit of {@code used}'s process now if it is gone and that is not done yet. */
    void exitIfGone(Generation used) {
        if (used.client.exited()) {
            used.exitSeen();
            exited(used, used.client.onExit().join()); // nothing when the exit is handled already
        }
    }

    /** A call on {@code used} timed out; enough in a row mean the plugin hangs. */
    void callTimedOut(Generation used, PluginTimeoutException e) {
        int limit = settings.hungCallLimit;
        if (limit <= 0 || used.retired() != null) {
            return;
        }
        int inARow = used.callTimedOut();
        if (inARow >= limit) {
            crashed(used, inARow + " calls in a row timed out; last: " + e.getMessage(), null);
        }
    }

    private void cancelPending() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }
}
