package dev.outpost.manager;

import dev.outpost.host.PluginClient;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One process of a managed plugin, with the calls running on it and what is known of its end: when its
 * exit was first seen and why the manager gave it up. A stable handle reads these to tell a call that
 * cannot have reached the process (it was sent after the process was seen dead) from one that may have.
 */
final class Generation {

    final PluginClient client;
    final Instant startedAt = Instant.now();
    private final Map<String, Object> dispensed = new ConcurrentHashMap<>();
    /** Calls entered on this generation and not yet out. Guarded by the owning plugin's monitor. */
    int inFlight;
    /** {@link System#nanoTime()} when this process's exit was first seen; {@link Long#MAX_VALUE} until then. */
    private volatile long exitSeenAt = Long.MAX_VALUE;
    /** Why the manager gave this process up (a crash, a stop, a reload), or null while it serves. */
    private volatile String retired;
    private final AtomicInteger failedHealthChecks = new AtomicInteger();
    private final AtomicInteger timedOutCalls = new AtomicInteger();

    Generation(PluginClient client) {
        this.client = client;
        // Completes on the thread that reaps the process, as soon as the operating system says so.
        client.onExit().thenRun(this::exitSeen);
    }

    /** "pid 4242", or "remote 10.0.0.7:7000" for a plugin without a process here. */
    static String where(PluginClient client) {
        return client.isRemote() ? "remote " + client.handshake().address() : "pid " + client.pid();
    }

    Object dispense(String name, Class<?> type) {
        return dispensed.computeIfAbsent(name + "/" + type.getName(), key -> client.dispense(name, type));
    }

    /** Records that the process is gone, at the first sight of it. */
    void exitSeen() {
        long now = System.nanoTime();
        synchronized (this) {
            if (exitSeenAt == Long.MAX_VALUE) {
                exitSeenAt = now;
            }
        }
    }

    /** Whether the exit of this process was seen before {@code nanoTime}: nothing sent after it reached it. */
    boolean exitSeenBefore(long nanoTime) {
        if (client.exited()) {
            exitSeen(); // the reaper completed the exit but its dependants may not have run yet
        }
        return exitSeenAt < nanoTime;
    }

    void retire(String why) {
        if (retired == null) {
            retired = why;
        }
    }

    /** Why the manager gave this process up, or null while it serves. */
    String retired() {
        return retired;
    }

    /** One more failed health check in a row; how many now. */
    int failedHealthCheck() {
        return failedHealthChecks.incrementAndGet();
    }

    void answeredHealthCheck() {
        failedHealthChecks.set(0);
    }

    /** One more timed-out call in a row; how many now. */
    int callTimedOut() {
        return timedOutCalls.incrementAndGet();
    }

    void callSucceeded() {
        timedOutCalls.set(0);
    }
}
