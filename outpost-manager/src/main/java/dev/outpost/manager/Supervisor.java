package dev.outpost.manager;

import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * What a {@link ManagedPlugin} needs of the manager that supervises it, and nothing more: its settings,
 * a way to launch processes, threads to run and schedule work on, and somewhere to publish its events.
 * A plugin's state machine can so be driven by a test without a manager around it.
 */
interface Supervisor {

    /** What the manager was built with. */
    ManagerSettings settings();

    /**
     * Starts a plugin process from {@code config}, when the manager allows (a few at a time).
     *
     * @return the connected plugin, or empty when the manager is closing
     * @throws Launcher.Interrupted when the calling thread is interrupted while it waits for its turn
     */
    Optional<PluginClient> launch(Supplier<ClientConfig> config);

    /**
     * Connects to a remote plugin with {@code connect}, when the manager allows, as {@link #launch} does.
     *
     * @return the connected plugin, or empty when the manager is closing
     */
    Optional<PluginClient> connect(Supplier<PluginClient> connect);

    /** Whether a close has begun: then no plugin starts any more. */
    boolean closing();

    /** Tells the listeners, in order, on the event thread. */
    void publish(PluginEvent event);

    /** Runs {@code task} on a worker thread (on this one once the manager is closed). */
    void execute(Runnable task);

    /** Runs {@code task} on a worker thread after {@code delay}. */
    ScheduledFuture<?> schedule(Runnable task, Duration delay);

    /** Runs {@code task} on a worker thread every {@code every}, the first time after {@code every}. */
    ScheduledFuture<?> scheduleAtFixedRate(Runnable task, Duration every);

    /** For the jitter of restart delays. */
    RandomGenerator random();
}
