package dev.outpost.manager;

import dev.outpost.internal.grpc.Transport;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's side of {@link Supervisor}: its threads (one for events, workers, a timer), its
 * launcher and its listeners. Owned by one {@link PluginManager}, which shuts it down on close.
 */
final class Supervision implements Supervisor {

    private static final Logger LOG = LoggerFactory.getLogger(PluginManager.class);

    private final ManagerSettings settings;
    private final Lifecycle lifecycle;
    private final List<PluginListener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService events;
    private final ExecutorService workers;
    private final ScheduledExecutorService timers;
    private final Launcher launcher;
    private final RandomGenerator random = RandomGenerator.getDefault();

    Supervision(ManagerSettings settings, Lifecycle lifecycle) {
        this.settings = settings;
        this.lifecycle = lifecycle;
        this.events = Executors.newSingleThreadExecutor(Transport.daemonThreads("outpost-manager-events"));
        this.workers = Executors.newCachedThreadPool(Transport.daemonThreads("outpost-manager"));
        this.timers = Executors.newScheduledThreadPool(1, Transport.daemonThreads("outpost-manager-timer"));
        this.launcher = new Launcher(settings.parallelStarts);
        if (settings.spans != null) {
            listeners.add(settings.spans); // first: a span ends before the application hears of its event
        }
        listeners.addAll(settings.listeners);
    }

    @Override
    public ManagerSettings settings() {
        return settings;
    }

    /**
     * At most {@link PluginManager.Builder#parallelStarts} at a time, because JVM plugins starting all at
     * once on a small machine would make each other miss their start timeouts.
     */
    @Override
    public Optional<PluginClient> launch(Supplier<ClientConfig> config) {
        return launcher.launch(() -> PluginClient.start(config.get()));
    }

    @Override
    public Optional<PluginClient> connect(Supplier<PluginClient> connect) {
        return launcher.launch(connect);
    }

    @Override
    public boolean closing() {
        return lifecycle.closing();
    }

    @Override
    public void publish(PluginEvent event) {
        LOG.debug("{}", event);
        try {
            events.execute(() -> {
                for (PluginListener listener : listeners) {
                    try {
                        listener.onEvent(event);
                    } catch (RuntimeException e) {
                        LOG.warn("plugin listener failed on {}", event, e);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("manager closed; event not delivered: {}", event);
        }
    }

    @Override
    public void execute(Runnable task) {
        try {
            workers.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return timers.schedule(() -> execute(task), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, Duration every) {
        return timers.scheduleAtFixedRate(() -> execute(task), every.toMillis(), every.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public RandomGenerator random() {
        return random;
    }

    void addListener(PluginListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void removeListener(PluginListener listener) {
        listeners.remove(listener);
    }

    /** Refuses launches from now on and breaks off those under way. */
    void stopLaunching() {
        launcher.close();
    }

    /**
     * Stops the threads, waiting until {@code deadline} ({@link System#nanoTime()}) for the workers,
     * which reap the processes of crashed plugins.
     */
    void shutdown(long deadline) {
        timers.shutdownNow();
        workers.shutdown();
        events.shutdown();
        try {
            workers.awaitTermination(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())),
                    TimeUnit.MILLISECONDS);
            events.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
