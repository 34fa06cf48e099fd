package dev.outpost.interop.soak;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The callers: each thread takes the next call id from the ledger, picks a plugin and Get or Put at
 * random, makes the call through the plugin's stable handle, and records how it ended. Each key is
 * written by one caller only, so a Get can be checked: it returns nothing (the plugin restarted and
 * lost its memory) or a value that this caller put under that key.
 *
 * <p>A watchdog looks at every caller's call in flight ten times a second and gives up on one that has
 * run past the hung limit, with the caller's stack at that moment.
 */
final class Callers {

    private static final int KEYS_PER_CALLER = 16;

    /** The call a caller is making; {@code id} is written last, so a reader of it sees its start. */
    private static final class Slot {
        volatile long started;
        volatile int id = -1;
    }

    private final Ledger ledger;
    private final List<KvStore> handles;
    private final List<String> ids;
    private final long seed;
    private final long intervalNanos;
    private final long hungNanos;
    private final List<Thread> threads = new ArrayList<>();
    private final List<Slot> slots = new ArrayList<>();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "soak-watchdog");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean stopping;
    private long startNanos;

    /**
     * @param ratePerSecond calls per second for all callers together, at most; 0: as fast as they go
     * @param hungNanos     how long a call may run before the watchdog counts it as hung
     */
    Callers(Ledger ledger, List<String> ids, List<KvStore> handles, int callers, long seed, int ratePerSecond,
            long hungNanos) {
        this.ledger = ledger;
        this.ids = ids;
        this.handles = handles;
        this.seed = seed;
        this.intervalNanos = ratePerSecond <= 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
        this.hungNanos = hungNanos;
        for (int i = 0; i < callers; i++) {
            slots.add(new Slot());
        }
    }

    void start() {
        startNanos = System.nanoTime();
        for (int i = 0; i < slots.size(); i++) {
            int caller = i;
            Thread thread = new Thread(() -> run(caller), "soak-caller-" + i);
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
        watchdog.scheduleAtFixedRate(this::watch, 100, 100, TimeUnit.MILLISECONDS);
    }

    /** No new calls from now on (the calls in flight go on to their end). */
    void stopIssuing() {
        stopping = true;
    }

    /** Waits until every caller has ended its last call, at most {@code timeoutNanos}; false if one has not. */
    boolean await(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        for (Thread thread : threads) {
            long left = deadline - System.nanoTime();
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
        boolean done = threads.stream().noneMatch(Thread::isAlive);
        if (done) {
            watchdog.shutdownNow();
        }
        return done;
    }

    /** The callers that have not ended, with where they are, for the report. */
    List<String> stuck() {
        List<String> stuck = new ArrayList<>();
        for (Thread thread : threads) {
            if (thread.isAlive()) {
                stuck.add(thread.getName() + Ledger.stack(thread.getStackTrace()));
            }
        }
        return stuck;
    }

    private void run(int caller) {
        SplittableRandom random = new SplittableRandom(seed * 31 + caller);
        Slot slot = slots.get(caller);
        int id;
        while (!stopping && (id = ledger.issue()) >= 0) {
            pace(id);
            int plugin = random.nextInt(handles.size());
            String key = "c" + caller + "-k" + random.nextInt(KEYS_PER_CALLER);
            boolean put = random.nextBoolean();
            long started = System.nanoTime();
            slot.started = started;
            slot.id = id;
            try {
                if (put) {
                    handles.get(plugin).put(key, (key + "-" + id).getBytes(StandardCharsets.UTF_8));
                    ledger.succeeded(id, System.nanoTime() - started);
                } else {
                    String value = new String(handles.get(plugin).get(key), StandardCharsets.UTF_8);
                    long took = System.nanoTime() - started;
                    if (value.isEmpty() || value.startsWith(key + "-")) {
                        ledger.succeeded(id, took);
                    } else {
                        ledger.wrongValue(id, took, "Get " + key + " of plugin '" + ids.get(plugin) + "' returned \""
                                + value + "\"");
                    }
                }
            } catch (Throwable e) {
                ledger.threw(id, System.nanoTime() - started, e);
            } finally {
                slot.id = -1;
            }
        }
    }

    /** Holds call {@code id} back until its turn at the configured rate. */
    private void pace(int id) {
        if (intervalNanos == 0) {
            return;
        }
        long due = startNanos + id * intervalNanos;
        long wait;
        while (!stopping && (wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    private void watch() {
        long now = System.nanoTime();
        for (int i = 0; i < slots.size(); i++) {
            Slot slot = slots.get(i);
            int id = slot.id;
            if (id >= 0 && now - slot.started > hungNanos) {
                Thread thread = threads.get(i);
                ledger.markHung(id, thread.getName() + " still in its call after "
                        + TimeUnit.NANOSECONDS.toMillis(now - slot.started) + " ms" + Ledger.stack(thread.getStackTrace()));
            }
        }
    }
}
