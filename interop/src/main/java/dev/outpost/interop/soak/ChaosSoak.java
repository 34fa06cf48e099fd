package dev.outpost.interop.soak;

import dev.outpost.PluginException;
import dev.outpost.manager.PluginInfo;
import dev.outpost.manager.PluginManager;
import dev.outpost.manager.PluginState;
import dev.outpost.manager.RestartPolicy;
import dev.outpost.HandshakeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A chaos soak that accounts for every call: callers make calls through a {@link PluginManager}'s stable
 * handles to Go, Python and Java KV plugins while a chaos thread kills, stops, reloads and breaks them;
 * every call must end once, as a success or a {@link PluginException}, within its deadline. Then the
 * chaos stops and every plugin must answer again; then the manager is closed (with one plugin stopped
 * by SIGSTOP, the hardest to stop) and nothing of the plugins may be left. See {@link SoakOptions} for
 * the arguments; {@code benchmarks/soak.sh} runs it.
 */
public final class ChaosSoak {

    static final HandshakeConfig HANDSHAKE = HandshakeConfig.of(1, "BASIC_PLUGIN", "hello");
    private static final Duration RECOVERY = Duration.ofSeconds(60);

    private ChaosSoak() {
    }

    public static void main(String[] args) throws Exception {
        SoakOptions options;
        try {
            options = SoakOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("soak: " + e.getMessage());
            System.err.println(SoakOptions.USAGE);
            System.exit(2);
            return;
        }
        System.out.println("soak: seed " + options.seed() + ", " + options.calls() + " calls; repeat with --seed "
                + options.seed());
        SoakReport report = run(options);
        System.out.print(report.text());
        if (options.markdown() != null) {
            Files.createDirectories(options.markdown().toAbsolutePath().getParent());
            Files.writeString(options.markdown(), report.markdown());
        }
        System.exit(report.passed() ? 0 : 1);
    }

    /** Runs the soak; its report says whether it passed. */
    public static SoakReport run(SoakOptions options) throws IOException, InterruptedException {
        List<String> machine = new ArrayList<>(Machine.describe());
        Leftovers leftovers = Leftovers.before();
        List<String> problems = new ArrayList<>();
        EventTally events = new EventTally();
        Ledger ledger = new Ledger(options.calls());
        Map<String, String> recovered = new LinkedHashMap<>();
        String close;
        double seconds;
        Map<String, Long> chaosCounts;
        List<String> settings;
        try (SoakPlugins plugins = SoakPlugins.create(leftovers.tempDirs().get(0), options.peers(), options.interop())) {
            settings = settings(options, plugins);
            PluginManager manager = manager(options, plugins, events);
            long closeStarted;
            try {
                manager.start();
                for (PluginInfo info : manager.plugins()) {
                    if (info.state() != PluginState.RUNNING) {
                        throw new IllegalStateException("soak: plugin '" + info.id() + "' did not start: " + info.state()
                                + " " + info.lastError().orElse("") + " " + info.stderrTail());
                    }
                }
                List<KvStore> handles = plugins.ids().stream()
                        .map(id -> manager.dispense(id, "kv", KvStore.class)).toList();
                Callers callers = new Callers(ledger, plugins.ids(), handles, options.callers(), options.seed(),
                        options.rate(), options.hungLimit().toNanos());
                Chaos chaos = new Chaos(manager, plugins, options.seed(), options.chaosMinMillis(),
                        options.chaosMaxMillis());
                long started = System.nanoTime();
                callers.start();
                chaos.start();
                if (!callers.await(options.maxTime().toNanos())) {
                    problems.add("the calls did not finish within --max-minutes " + options.maxTime().toMinutes());
                    callers.stopIssuing();
                    if (!callers.await(options.hungLimit().toNanos() + TimeUnit.SECONDS.toNanos(5))) {
                        callers.stuck().forEach(stuck -> problems.add("caller stuck: " + stuck));
                    }
                }
                seconds = (System.nanoTime() - started) / 1e9;
                chaos.stop();
                chaosCounts = chaos.counts();
                chaos.problems().forEach(problem -> problems.add("chaos: " + problem));
                for (int i = 0; i < handles.size(); i++) {
                    recovered.put(plugins.ids().get(i), recover(handles.get(i)));
                }
                String stopped = stopOne(manager, plugins.ids());
                closeStarted = System.nanoTime();
                manager.close();
                close = String.format(Locale.ROOT, "the manager closed in %d ms%s",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStarted),
                        stopped == null ? "" : ", with plugin '" + stopped + "' stopped by SIGSTOP");
            } finally {
                manager.close();
            }
        }
        machine.add("load average at end: " + Machine.loadAverage());
        Leftovers.Found left = leftovers.after(5_000);
        return new SoakReport(settings, machine, ledger.totals(), options.calls(), chaosCounts, events.counts(),
                recovered, close, left, problems, seconds);
    }

    private static PluginManager manager(SoakOptions options, SoakPlugins plugins, EventTally events) {
        return PluginManager.builder()
                .directory(plugins.dir())
                .handshake(HANDSHAKE)
                .plugin("kv", KvStore.plugin())
                .watch(true)
                .settleTime(Duration.ofMillis(100))
                .callTimeout(options.callTimeout())
                .unavailableWait(options.unavailableWait())
                .startTimeout(options.startTimeout())
                .drainTimeout(options.callTimeout().plusSeconds(1))
                .healthChecks(Duration.ofSeconds(2), 2)
                .hungCallLimit(3)
                // Restarts without end: under chaos a plugin may crash hundreds of times.
                .restartPolicy(RestartPolicy.builder().initialDelay(Duration.ofMillis(50))
                        .maxDelay(Duration.ofSeconds(1)).maxRestarts(Integer.MAX_VALUE).window(Duration.ofMinutes(1))
                        .build())
                .listener(events)
                .build();
    }

    /**
     * Calls the plugin until it answers, at most {@link #RECOVERY}: "in N ms", or why not. Each try waits up
     * to the unavailable wait by itself; the pause between tries only keeps a plugin that fails at once
     * (stopped, failed) from being asked in a busy loop.
     */
    private static String recover(KvStore handle) {
        long started = System.nanoTime();
        long deadline = started + RECOVERY.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                handle.get("recovery");
                return "in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms";
            } catch (PluginException e) {
                last = e.getMessage();
            } catch (RuntimeException e) {
                return "untyped " + e;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        return "not within " + RECOVERY.toSeconds() + " s; last: " + last;
    }

    /** SIGSTOPs the first plugin that has a process, so that close has to stop a process that cannot answer. */
    private static String stopOne(PluginManager manager, List<String> ids) {
        for (String id : ids) {
            Optional<ProcessHandle> process = manager.plugin(id).flatMap(info -> info.pid().isPresent()
                    ? ProcessHandle.of(info.pid().getAsLong()) : Optional.empty());
            if (process.isPresent()) {
                try {
                    if (Chaos.sendSignal("STOP", process.get().pid())) {
                        return id;
                    }
                } catch (IOException e) {
                    return null;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
        }
        return null;
    }

    private static List<String> settings(SoakOptions options, SoakPlugins plugins) {
        List<String> settings = new ArrayList<>();
        settings.add("seed " + options.seed() + " (repeat: --seed " + options.seed() + "), " + options.calls()
                + " calls, " + options.callers() + " callers, "
                + (options.rate() > 0 ? "at most " + options.rate() + " calls/s" : "unpaced") + ", Get or Put at random");
        settings.add("plugins: " + String.join(", ", plugins.ids().stream()
                .map(id -> id + " (" + Path.of(plugins.target(id)).getFileName() + ")").toList()));
        settings.add(String.format(Locale.ROOT, "manager: callTimeout %d ms, unavailableWait %d ms, startTimeout %d ms, "
                        + "health checks every 2 s (2 failures), 3 timed-out calls in a row = hung, restarts "
                        + "without limit (50 ms doubling to 1 s); a call is hung past %d ms",
                options.callTimeout().toMillis(), options.unavailableWait().toMillis(),
                options.startTimeout().toMillis(), options.hungLimit().toMillis()));
        settings.add("chaos: every " + options.chaosMinMillis() + "-" + options.chaosMaxMillis()
                + " ms one of SIGKILL, SIGSTOP (SIGCONT 0.2-4.2 s later), reload(id), touch the file, break the file "
                + "(garbage, exit 1, no handshake, not executable, removed) for 0.5-5 s, to a plugin at random");
        if (options.command() != null) {
            settings.add("command: `" + options.command() + "`");
        }
        return settings;
    }
}
