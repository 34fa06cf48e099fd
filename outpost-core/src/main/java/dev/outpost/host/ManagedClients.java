package dev.outpost.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The clients started with {@link ClientConfig#managed()}, which a JVM shutdown hook stops: the one registry
 * of live clients, installed on first use and holding a client only while it runs.
 */
final class ManagedClients {

    private static final Set<PluginClient> RUNNING = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOK_INSTALLED = new AtomicBoolean();

    private ManagedClients() {
    }

    static void add(PluginClient client) {
        if (HOOK_INSTALLED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(ManagedClients::closeAll, "outpost-shutdown-hook"));
        }
        RUNNING.add(client);
    }

    static void remove(PluginClient client) {
        RUNNING.remove(client);
    }

    /** Closes every registered client, in parallel, waiting up to 10 s for each. */
    static void closeAll() {
        List<Thread> stoppers = new ArrayList<>();
        for (PluginClient client : List.copyOf(RUNNING)) {
            Thread stopper = new Thread(client::close, "outpost-stop-" + client.name());
            stopper.setDaemon(true);
            stopper.start();
            stoppers.add(stopper);
        }
        for (Thread stopper : stoppers) {
            try {
                stopper.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
