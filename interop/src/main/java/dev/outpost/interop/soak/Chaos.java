package dev.outpost.interop.soak;

import dev.outpost.manager.PluginInfo;
import dev.outpost.manager.PluginManager;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The chaos: one thread that waits a random while, then does one thing to one plugin at random: SIGKILL
 * its process, SIGSTOP it (and SIGCONT it a random while later), reload it by hand, touch its file
 * (which the watching manager takes for a new version), or break its file for a while (see {@link
 * SoakPlugins.Corruption}) and put it back. Actions are drawn from a shuffled bag holding each once, so
 * even a short run does each of them. What was undone later (SIGCONT, the file put back) is undone at
 * once when the chaos stops.
 */
final class Chaos {

    enum Action { KILL, STOP_CONT, RELOAD, TOUCH, CORRUPT }

    private final PluginManager manager;
    private final SoakPlugins plugins;
    private final SplittableRandom random;
    private final long minGapMillis;
    private final long maxGapMillis;
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    /** What is to be undone, by plugin: a pending SIGCONT or file restore. */
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService undo = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "soak-chaos-undo");
        thread.setDaemon(true);
        return thread;
    });
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread = new Thread(this::run, "soak-chaos");
    private final List<Action> bag = new ArrayList<>();

    private record Pending(Runnable action, ScheduledFuture<?> scheduled) {
    }

    Chaos(PluginManager manager, SoakPlugins plugins, long seed, long minGapMillis, long maxGapMillis) {
        this.manager = manager;
        this.plugins = plugins;
        this.random = new SplittableRandom(seed);
        this.minGapMillis = minGapMillis;
        this.maxGapMillis = maxGapMillis;
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Stops the chaos and undoes what was still to be undone: every plugin continued, every file back. */
    void stop() throws InterruptedException {
        stop.countDown();
        thread.join();
        undo.shutdown();
        for (String id : Set.copyOf(pending.keySet())) {
            Pending undoIt = pending.remove(id);
            if (undoIt != null && undoIt.scheduled().cancel(false)) {
                undoIt.action().run();
            }
        }
        undo.awaitTermination(30, TimeUnit.SECONDS);
    }

    /** How many times each action was done, e.g. {@code corrupt:GARBAGE=3}. */
    Map<String, Long> counts() {
        Map<String, Long> result = new TreeMap<>();
        counts.forEach((action, n) -> result.put(action, n.sum()));
        return result;
    }

    /** Chaos that could not be done as meant (a signal that failed, an unexpected error): for the report. */
    List<String> problems() {
        synchronized (problems) {
            return List.copyOf(problems);
        }
    }

    private void run() {
        try {
            while (!stop.await(minGapMillis + random.nextLong(maxGapMillis - minGapMillis + 1), TimeUnit.MILLISECONDS)) {
                act();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void act() {
        if (bag.isEmpty()) {
            bag.addAll(List.of(Action.values()));
            Collections.shuffle(bag, new java.util.Random(random.nextLong()));
        }
        Action action = bag.remove(bag.size() - 1);
        List<String> ids = plugins.ids();
        String id = ids.get(random.nextInt(ids.size()));
        try {
            switch (action) {
                case KILL -> pid(id).ifPresentOrElse(process -> {
                    process.destroyForcibly();
                    count("kill");
                }, () -> count("kill:no-process"));
                case STOP_CONT -> {
                    Optional<ProcessHandle> process = pending.containsKey(id) ? Optional.empty() : pid(id);
                    if (process.isPresent() && signal("STOP", process.get())) {
                        count("sigstop");
                        later(id, () -> {
                            if (process.get().isAlive() && signal("CONT", process.get())) {
                                count("sigcont");
                            }
                        }, 200 + random.nextLong(4000));
                    } else {
                        count("sigstop:no-process");
                    }
                }
                case RELOAD -> {
                    if (manager.plugin(id).isEmpty()) {
                        // Its file is removed or not executable: the watching manager has unloaded it, and
                        // reload(id) would say "no plugin" (IllegalArgumentException), as it should.
                        count("reload:unloaded");
                        break;
                    }
                    try {
                        manager.reload(id);
                        count("reload");
                    } catch (IllegalStateException | dev.outpost.PluginException e) {
                        // Not RUNNING, or a broken file that cannot start: the manager refuses, as it should.
                        count("reload:refused");
                    } catch (IllegalArgumentException e) {
                        // Unloaded between the check above and the call.
                        count("reload:unloaded");
                    }
                }
                case TOUCH -> {
                    if (pending.containsKey(id)) {
                        count("touch:skipped");
                    } else {
                        plugins.restore(id);
                        count("touch");
                    }
                }
                case CORRUPT -> {
                    if (pending.containsKey(id)) {
                        count("corrupt:skipped");
                    } else {
                        SoakPlugins.Corruption how = SoakPlugins.Corruption.values()[
                                random.nextInt(SoakPlugins.Corruption.values().length)];
                        plugins.corrupt(id, how, random);
                        count("corrupt:" + how);
                        later(id, () -> plugins.restore(id), 500 + random.nextLong(4500));
                    }
                }
            }
        } catch (RuntimeException e) {
            problems.add(action + " of " + id + ": " + e);
        }
    }

    private void later(String id, Runnable action, long delayMillis) {
        Runnable once = () -> {
            pending.remove(id);
            action.run();
        };
        pending.put(id, new Pending(once, undo.schedule(once, delayMillis, TimeUnit.MILLISECONDS)));
    }

    /** The plugin's process, if it has one and it is still this JVM's child (never a recycled pid). */
    private Optional<ProcessHandle> pid(String id) {
        OptionalLong pid = manager.plugin(id).map(PluginInfo::pid).orElse(OptionalLong.empty());
        if (pid.isEmpty()) {
            return Optional.empty();
        }
        return ProcessHandle.current().children().filter(child -> child.pid() == pid.getAsLong()).findFirst();
    }

    /** Sends SIGSTOP or SIGCONT; a kill(1) that cannot run or hangs is a problem for the report. */
    private boolean signal(String signal, ProcessHandle process) {
        try {
            return sendSignal(signal, process.pid());
        } catch (IOException e) {
            problems.add(e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Sends {@code signal} (STOP, CONT) to {@code pid} with kill(1), Java having no API for them, and waits
     * for it: true when sent; false when kill exits 1, the process being gone by then (killed by the
     * manager, say), which is no problem.
     *
     * @throws IOException when kill cannot run, or does not finish within 10 s
     */
    static boolean sendSignal(String signal, long pid) throws IOException, InterruptedException {
        Process kill;
        try {
            kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new IOException("kill -" + signal + " " + pid + ": " + e, e);
        }
        if (!kill.waitFor(10, TimeUnit.SECONDS)) {
            kill.destroyForcibly().waitFor();
            throw new IOException("kill -" + signal + " " + pid + " did not finish within 10 s");
        }
        return kill.exitValue() == 0;
    }

    private void count(String what) {
        counts.computeIfAbsent(what, k -> new LongAdder()).increment();
    }

    /** The plugins whose files are broken or processes stopped right now (for the final check). */
    Set<String> undoing() {
        return new HashSet<>(pending.keySet());
    }
}
