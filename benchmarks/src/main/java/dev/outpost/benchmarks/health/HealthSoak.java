package dev.outpost.benchmarks.health;

import com.google.protobuf.ByteString;
import dev.outpost.PluginException;
import dev.outpost.grpc.GrpcPlugin;
import dev.outpost.interop.proto.GetRequest;
import dev.outpost.interop.proto.KVGrpc;
import dev.outpost.interop.proto.PutRequest;
import dev.outpost.manager.PluginEvent;
import dev.outpost.manager.PluginManager;
import dev.outpost.manager.PluginState;
import dev.outpost.HandshakeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether the manager's default health checks tell hung plugins from busy ones:
 * {@code HealthSoak [--go N] [--java N] [--python N] [--minutes M] [--load K] -- GO_PLUGIN JAVA_PLUGIN PYTHON_PLUGIN}.
 * <ol>
 *   <li>Starts a {@link PluginManager} with its default health checks on N + N + N {@code proto.KV}
 *   plugins (handshake BASIC_PLUGIN=hello) and waits until all are RUNNING.</li>
 *   <li>Starts K busy processes (default twice the cores: every core runs flat out) and, for M minutes,
 *   makes one Put and Get on every plugin each 5 s, while counting the manager's CRASHED events: each one
 *   is a false restart, for no plugin did anything wrong.</li>
 *   <li>Still under load, SIGSTOPs one plugin of each language and times SIGSTOP to CRASHED.</li>
 * </ol>
 * Prints {@code BENCH} lines and ends with {@code PASS} (exit 0) or {@code FAIL} (exit 1): any false restart,
 * or a stopped plugin found later than 10 s.
 */
public final class HealthSoak {

    private static final HandshakeConfig HANDSHAKE = HandshakeConfig.of(1, "BASIC_PLUGIN", "hello");
    private static final Duration DETECTION_LIMIT = Duration.ofSeconds(10);

    private HealthSoak() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, Integer> counts = new java.util.LinkedHashMap<>(Map.of("go", 30, "java", 10, "python", 10));
        double minutes = 10;
        int load = 2 * Runtime.getRuntime().availableProcessors();
        int i = 0;
        for (; i < args.length && !args[i].equals("--"); i++) {
            switch (args[i]) {
                case "--go", "--java", "--python" -> counts.put(args[i].substring(2), Integer.parseInt(args[++i]));
                case "--minutes" -> minutes = Double.parseDouble(args[++i]);
                case "--load" -> load = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (args.length - i - 1 != 3) {
            System.err.println("usage: HealthSoak [--go N] [--java N] [--python N] [--minutes M] [--load K]"
                    + " -- GO_PLUGIN JAVA_PLUGIN PYTHON_PLUGIN");
            System.exit(2);
        }
        Map<String, Path> commands = Map.of("go", Path.of(args[i + 1]).toAbsolutePath(),
                "java", Path.of(args[i + 2]).toAbsolutePath(), "python", Path.of(args[i + 3]).toAbsolutePath());
        Path dir = Files.createTempDirectory("health-soak-");
        List<String> ids = new ArrayList<>();
        for (Map.Entry<String, Integer> kind : counts.entrySet()) {
            for (int n = 1; n <= kind.getValue(); n++) {
                String id = String.format(Locale.ROOT, "%s-%02d", kind.getKey(), n);
                Files.createSymbolicLink(dir.resolve(id), commands.get(kind.getKey()));
                ids.add(id);
            }
        }
        boolean passed;
        try {
            passed = soak(dir, ids, Duration.ofMillis((long) (minutes * 60_000)), load);
        } finally {
            for (String id : ids) {
                Files.deleteIfExists(dir.resolve(id));
            }
            Files.deleteIfExists(dir);
        }
        System.exit(passed ? 0 : 1);
    }

    private static boolean soak(Path dir, List<String> ids, Duration length, int load) throws Exception {
        BlockingQueue<PluginEvent> events = new LinkedBlockingQueue<>();
        List<PluginEvent> crashes = new CopyOnWriteArrayList<>();
        PluginManager.Builder builder = PluginManager.builder().directory(dir).handshake(HANDSHAKE)
                .plugin("kv", GrpcPlugin.client(KVGrpc::newBlockingStub))
                .listener(event -> {
                    events.add(event);
                    if (event.to() == PluginState.CRASHED) {
                        crashes.add(event);
                    }
                });
        try (PluginManager manager = builder.build()) {
            long started = System.nanoTime();
            manager.start();
            List<String> notRunning = ids.stream()
                    .filter(id -> manager.plugin(id).map(p -> p.state() != PluginState.RUNNING).orElse(true)).toList();
            System.out.printf(Locale.ROOT, "BENCH health_soak_start plugins=%d start_s=%.1f not_running=%d%n",
                    ids.size(), (System.nanoTime() - started) / 1e9, notRunning.size());
            if (!notRunning.isEmpty()) {
                System.out.println("FAIL not RUNNING after start: " + notRunning);
                return false;
            }
            List<Process> busy = busy(load);
            try {
                Calls calls = callEvery(manager, ids, Duration.ofSeconds(5), length);
                System.out.printf(Locale.ROOT, "BENCH health_soak plugins=%d load_processes=%d minutes=%.1f"
                                + " rounds=%d calls=%d failed_calls=%d max_call_ms=%.1f false_restarts=%d"
                                + " load_average=%s%n", ids.size(), load, length.toMillis() / 60_000.0, calls.rounds,
                        calls.calls.get(), calls.failed.get(), calls.maxNanos.get() / 1e6, crashes.size(),
                        Files.readString(Path.of("/proc/loadavg")).strip().replace(' ', '/'));
                crashes.forEach(event -> System.out.println("false restart: " + event));
                int falseRestarts = crashes.size();
                boolean detected = true;
                for (String kind : List.of("go", "java", "python")) {
                    detected &= stopAndTime(manager, events, ids.stream().filter(id -> id.startsWith(kind + "-"))
                            .findFirst().orElse(null));
                }
                if (falseRestarts > 0 || !detected || calls.failed.get() > 0) {
                    System.out.println("FAIL false restarts " + falseRestarts + ", failed calls " + calls.failed.get()
                            + (detected ? "" : ", a stopped plugin found too late"));
                    return false;
                }
                System.out.printf(Locale.ROOT, "PASS no false restart among %d plugins in %.1f min under load;"
                        + " stopped plugins found within %d s%n", ids.size(), length.toMillis() / 60_000.0,
                        DETECTION_LIMIT.toSeconds());
                return true;
            } finally {
                busy.forEach(Process::destroyForcibly);
                for (Process process : busy) {
                    process.onExit().get(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static boolean stopAndTime(PluginManager manager, BlockingQueue<PluginEvent> events, String id)
            throws Exception {
        if (id == null) {
            return true;
        }
        long pid = manager.plugin(id).orElseThrow().pid().orElseThrow();
        events.clear();
        Instant stopped = Instant.now();
        new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            PluginEvent event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (event != null && event.id().equals(id) && event.to() == PluginState.CRASHED) {
                Duration took = Duration.between(stopped, event.at());
                System.out.printf(Locale.ROOT, "BENCH health_soak_stopped id=%s detected_s=%.2f reason=\"%s\"%n",
                        id, took.toMillis() / 1000.0, event.reason());
                return took.compareTo(DETECTION_LIMIT) <= 0;
            }
        }
        System.out.println("BENCH health_soak_stopped id=" + id + " detected_s=never");
        return false;
    }

    /** {@code load} processes that keep a core busy each. */
    private static List<Process> busy(int load) throws IOException {
        List<Process> busy = new ArrayList<>();
        for (int n = 0; n < load; n++) {
            busy.add(new ProcessBuilder("sh", "-c", "while :; do :; done")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
        return busy;
    }

    private static final class Calls {
        final AtomicLong calls = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong maxNanos = new AtomicLong();
        int rounds;
    }

    /** A Put and a Get on every plugin, each {@code every}, for {@code length}. */
    private static Calls callEvery(PluginManager manager, List<String> ids, Duration every, Duration length)
            throws InterruptedException {
        Calls calls = new Calls();
        long end = System.nanoTime() + length.toNanos();
        while (System.nanoTime() < end) {
            long round = System.nanoTime();
            for (String id : ids) {
                long start = System.nanoTime();
                try {
                    KVGrpc.KVBlockingStub kv = manager.client(id).orElseThrow(() -> new IllegalStateException(
                            "plugin '" + id + "' is not running")).dispense("kv", KVGrpc.KVBlockingStub.class);
                    kv.put(PutRequest.newBuilder().setKey("k").setValue(ByteString.copyFromUtf8(id)).build());
                    kv.get(GetRequest.newBuilder().setKey("k").build());
                } catch (PluginException | io.grpc.StatusRuntimeException | IllegalStateException e) {
                    calls.failed.incrementAndGet();
                    System.out.println("failed call on " + id + ": " + e);
                }
                calls.calls.addAndGet(2);
                calls.maxNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
            }
            calls.rounds++;
            // Paced, not synchronised with anything: the next round starts `every` after this one did.
            long left = every.toNanos() - (System.nanoTime() - round);
            if (left > 0) {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, Math.max(0, end - System.nanoTime())));
            }
        }
        return calls;
    }
}
