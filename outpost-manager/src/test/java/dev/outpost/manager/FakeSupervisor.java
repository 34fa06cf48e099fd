package dev.outpost.manager;

import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * A {@link Supervisor} for driving one {@link ManagedPlugin} by hand: launches do what the test scripted,
 * events are collected, and scheduled work (restarts, health checks) waits for the test to run it. Other
 * work (closing a crashed process) runs on a thread of its own, as the manager's workers do: run on the
 * thread that saw a process end, it could wait for that very end.
 */
final class FakeSupervisor implements Supervisor, AutoCloseable {

    /** A scheduled task and its future, which the plugin may cancel. */
    record Scheduled(Runnable task, Duration delay, ScheduledFuture<?> future) {
    }

    private final ManagerSettings settings;
    private final Deque<Function<ClientConfig, Optional<PluginClient>>> launches = new ArrayDeque<>();
    final List<PluginEvent> events = new CopyOnWriteArrayList<>();
    final List<Scheduled> scheduled = new CopyOnWriteArrayList<>();
    final List<PluginClient> launched = new CopyOnWriteArrayList<>();
    volatile boolean closing;
    /** Only for futures that never fire on their own. */
    private final ScheduledExecutorService never = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService workers = Executors.newCachedThreadPool();

    FakeSupervisor(ManagerSettings settings) {
        this.settings = settings;
    }

    /** The next launch does this with the plugin's configuration. */
    FakeSupervisor thenLaunch(Function<ClientConfig, Optional<PluginClient>> launch) {
        launches.add(launch);
        return this;
    }

    /** "FROM -> TO [reason]" of every event, in order. */
    List<String> moves() {
        List<String> moves = new ArrayList<>();
        events.forEach(event -> moves.add(event.from() + " -> " + event.to()
                + (event.reason().isEmpty() ? "" : " [" + event.reason() + "]")));
        return moves;
    }

    /** Runs the last scheduled task, as the timer would once its delay is over. */
    void runScheduled() {
        scheduled.get(scheduled.size() - 1).task().run();
    }

    @Override
    public ManagerSettings settings() {
        return settings;
    }

    @Override
    public Optional<PluginClient> connect(java.util.function.Supplier<PluginClient> connect) {
        PluginClient client = connect.get();
        launched.add(client);
        return Optional.of(client);
    }

    @Override
    public Optional<PluginClient> launch(java.util.function.Supplier<ClientConfig> config) {
        Function<ClientConfig, Optional<PluginClient>> next = launches.poll();
        if (next == null) {
            throw new AssertionError("a launch the test did not expect");
        }
        Optional<PluginClient> client = next.apply(config.get());
        client.ifPresent(launched::add);
        return client;
    }

    @Override
    public boolean closing() {
        return closing;
    }

    @Override
    public void publish(PluginEvent event) {
        events.add(event);
    }

    @Override
    public void execute(Runnable task) {
        workers.execute(task);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        ScheduledFuture<?> future = never.schedule(() -> { }, 1, TimeUnit.DAYS);
        scheduled.add(new Scheduled(task, delay, future));
        return future;
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, Duration every) {
        return schedule(task, every);
    }

    @Override
    public RandomGenerator random() {
        return new Random(1);
    }

    @Override
    public void close() throws InterruptedException {
        never.shutdownNow();
        workers.shutdown();
        if (!workers.awaitTermination(30, TimeUnit.SECONDS)) {
            throw new AssertionError("work of the plugin still running after 30 s");
        }
        launched.forEach(PluginClient::close);
    }
}
