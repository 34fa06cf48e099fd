package dev.outpost.interop;

import com.google.protobuf.ByteString;
import dev.outpost.PluginException;
import dev.outpost.grpc.GrpcPlugin;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.interop.proto.CounterGrpc;
import dev.outpost.interop.proto.GetRequest;
import dev.outpost.interop.proto.KVGrpc;
import dev.outpost.interop.proto.PutRequest;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Java host for go-plugin's KV example: {@code java-kv-host [OPTIONS] -- CMD [ARGS…]}. Launches CMD as a
 * plugin, exercises it, shuts it down, and prints as its last line {@code PASS <details>} (exit 0) or
 * {@code FAIL <reason>} (exit 1). Wrong usage exits 2. Without options it does {@code Put("hello","world")}
 * and {@code Get("hello")}; the options add checks, and all but the benchmark ones combine:
 * <ul>
 *   <li>{@code --counter}: instead, {@code Put("c",5)} and {@code Put("c",7)} through the host's
 *   {@code AddHelper}, served under a fresh broker id for each Put and stopped after it, then
 *   {@code Get("c")} must be 12 after exactly two {@code Sum} calls;</li>
 *   <li>{@code --automtls}: every call that succeeds, and every callback the plugin makes to the host, must
 *   have run over a TLS session in which the plugin presented the certificate it announced;</li>
 *   <li>{@code --mux}: go-plugin's broker multiplexing; the plugin must answer {@code true}, and with
 *   {@code --counter} its calls to the host's {@code AddHelper} must arrive over the host's own connection
 *   to the plugin's socket, the host listening on no socket (see {@link MuxCheck});</li>
 *   <li>{@code --stdio-test}: the plugin runs with {@code KV_PRINT=1}; after the Put, its stdout line must
 *   reach the host through the stdio service's stdout ({@code syncStdout}) and its stderr line through
 *   its stderr ({@code syncStderr}), each within 5 s;</li>
 *   <li>{@code --socket-dir DIR}: {@code unixSocketDir(DIR)}; the plugin's socket (its handshake address)
 *   must be inside DIR, and DIR must hold nothing of the plugin's after the shutdown;</li>
 *   <li>{@code --socket-group GROUP}: {@code unixSocketGroup(GROUP)}; the plugin's socket must have that
 *   group (a name or a gid) and mode 0660;</li>
 *   <li>{@code --big MB}: {@code Put} and {@code Get} of a value of MB MiB with deterministic content, which
 *   must come back the same;</li>
 *   <li>{@code --hang-key KEY}: the plugin runs with {@code KV_HANG_ON=KEY}; {@code Get(KEY)} with a 1 s
 *   deadline must fail with DEADLINE_EXCEEDED, then Put/Get of {@code "hello"} must still work;</li>
 *   <li>{@code --crash-key KEY}: the plugin runs with {@code KV_CRASH_ON=KEY}; {@code Get(KEY)}, done last,
 *   must fail with UNAVAILABLE saying the plugin exited, and {@link PluginClient#onExit()} must complete
 *   within 5 s, with status 2 when the exit status is known;</li>
 *   <li>{@code --bench N}, {@code --bench-par P}, {@code --cold N}, {@code --crash N}: benchmarks (see
 *   {@link Bench}); with {@code --automtls} and {@code --mux} only.</li>
 * </ul>
 */
public final class KvHost {

    private KvHost() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    private static final String USAGE = "usage: java-kv-host [--counter] [--automtls] [--mux] [--stdio-test]"
            + " [--socket-dir DIR] [--socket-group GROUP] [--big MB] [--hang-key KEY] [--crash-key KEY]"
            + " [--bench N [--bench-par P[,P...]]] [--cold N] [--crash N] -- CMD [ARGS...]";

    /** The checks asked for on the command line. */
    private static final class Options {
        boolean counter;
        boolean autoMtls;
        boolean mux;
        boolean stdio;
        Path socketDir;
        String socketGroup;
        int bigMebibytes;
        String hangKey;
        String crashKey;
        final Bench.Options bench = new Bench.Options();
        final List<String> command = new ArrayList<>();

        boolean anyCheck() {
            return counter || stdio || socketDir != null || socketGroup != null || bigMebibytes > 0
                    || hangKey != null || crashKey != null;
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Options options = new Options();
        String problem = parse(args, options);
        if (problem == null && options.command.isEmpty()) {
            problem = "no plugin command after --";
        }
        if (problem == null && options.bench.any() && options.anyCheck()) {
            problem = "--bench, --cold and --crash combine with --automtls and --mux only";
        }
        if (problem != null) {
            err.println("java-kv-host: " + problem);
            err.println(USAGE);
            return 2;
        }
        KvChecks.Stdio stdio = options.stdio ? new KvChecks.Stdio() : null;
        ClientConfig config = config(options, stdio);
        if (options.bench.any()) {
            return options.bench.run(config, "proto.KV", client -> KVGrpc.newBlockingStub(client.channel())
                    .put(PutRequest.newBuilder().setKey("hello").setValue(ByteString.copyFromUtf8("world")).build()),
                    client -> {
                        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(client.channel());
                        GetRequest request = GetRequest.newBuilder().setKey("hello").build();
                        return () -> kv.get(request).getValue().size();
                    }, out);
        }
        try {
            out.println("PASS " + check(options, config, stdio));
            return 0;
        } catch (PluginException | StatusRuntimeException | IllegalStateException | UncheckedIOException e) {
            out.println("FAIL " + String.valueOf(e.getMessage()).replace('\n', ' '));
            return 1;
        }
    }

    /** The problem with the arguments, or null; fills {@code options}. */
    private static String parse(String[] args, Options options) {
        int i = 0;
        for (; i < args.length && !args[i].equals("--"); i++) {
            String option = args[i];
            List<String> valued = List.of("--socket-dir", "--socket-group", "--big", "--hang-key", "--crash-key");
            if (valued.contains(option) && (i + 1 >= args.length || args[i + 1].equals("--")
                    || args[i + 1].isEmpty())) {
                return "option " + option + " needs a value";
            }
            switch (option) {
                case "--counter" -> options.counter = true;
                case "--automtls" -> options.autoMtls = true;
                case "--mux" -> options.mux = true;
                case "--stdio-test" -> options.stdio = true;
                case "--socket-dir" -> options.socketDir = Path.of(args[++i]);
                case "--socket-group" -> options.socketGroup = args[++i];
                case "--hang-key" -> options.hangKey = args[++i];
                case "--crash-key" -> options.crashKey = args[++i];
                case "--big" -> {
                    try {
                        options.bigMebibytes = Integer.parseInt(args[++i]);
                    } catch (NumberFormatException e) {
                        options.bigMebibytes = -1;
                    }
                    // A message holds at most 2^31 - 1 bytes.
                    if (options.bigMebibytes <= 0 || options.bigMebibytes >= 2048) {
                        return "option --big needs a number of MiB from 1 to 2047, got \"" + args[i] + "\"";
                    }
                }
                default -> {
                    int used = options.bench.parse(args, i);
                    if (used <= 0) {
                        return used == 0 ? "unknown option " + option
                                : "option " + option + " needs a positive number (P may be a list: 4,16)";
                    }
                    i += used - 1;
                }
            }
        }
        options.command.addAll(Arrays.asList(args).subList(Math.min(i + 1, args.length), args.length));
        return null;
    }

    private static ClientConfig config(Options options, KvChecks.Stdio stdio) {
        ClientConfig.Builder config = ClientConfig.builder()
                .handshake(Interop.HANDSHAKE)
                .command(options.command)
                .plugin("kv", GrpcPlugin.client(KVGrpc::newBlockingStub))
                .plugin("counter", GrpcPlugin.client(CounterGrpc::newBlockingStub))
                .autoMtls(options.autoMtls)
                .multiplexBroker(options.mux);
        if (stdio != null) {
            config.env(KvPlugin.PRINT, "1").syncStdout(stdio::stdout).syncStderr(stdio::stderr);
        }
        if (options.hangKey != null) {
            config.env(KvPlugin.HANG_ON, options.hangKey);
        }
        if (options.crashKey != null) {
            config.env(KvPlugin.CRASH_ON, options.crashKey);
        }
        if (options.socketDir != null) {
            config.unixSocketDir(options.socketDir);
        }
        if (options.socketGroup != null) {
            config.unixSocketGroup(options.socketGroup);
        }
        return config.build();
    }

    /** Runs the checks in order, the crash last; the PASS line's text, or an exception saying what failed. */
    private static String check(Options options, ClientConfig config, KvChecks.Stdio stdio) {
        KvChecks.SocketDir socketDir = options.socketDir != null ? new KvChecks.SocketDir(options.socketDir) : null;
        List<String> details = new ArrayList<>();
        String ending;
        try (PluginClient plugin = PluginClient.start(config)) {
            TlsCheck tls = options.autoMtls ? new TlsCheck(plugin) : null;
            MuxCheck mux = options.mux ? new MuxCheck() : null;
            Channel channel = tls != null ? ClientInterceptors.intercept(plugin.channel(), tls) : plugin.channel();
            if (socketDir != null) {
                details.add(socketDir.socketInside(plugin));
            }
            if (options.socketGroup != null) {
                details.add(KvChecks.socketGroup(plugin, options.socketGroup));
            }
            if (!options.counter || stdio != null) {
                details.add(KvChecks.kv(channel));
            }
            if (stdio != null) {
                details.add(stdio.verify());
            }
            if (options.counter) {
                List<ServerInterceptor> watchers = new ArrayList<>();
                if (tls != null) {
                    watchers.add(tls.serverSide());
                }
                if (mux != null) {
                    watchers.add(mux);
                }
                details.add(KvChecks.counter(plugin, channel, watchers));
            }
            if (options.bigMebibytes > 0) {
                details.add(KvChecks.big(channel, options.bigMebibytes));
            }
            if (options.hangKey != null) {
                details.add(KvChecks.hang(channel, options.hangKey));
            }
            if (tls != null) {
                details.add(tls.verify(options.counter ? 2 : 0));
            }
            if (mux != null) {
                details.add(mux.verify(plugin, options.counter ? 2 : 0));
            }
            if (options.crashKey != null) {
                details.add(KvChecks.crash(plugin, channel, options.crashKey));
            }
            details.set(details.size() - 1, details.get(details.size() - 1) + " (pid " + plugin.pid() + ", "
                    + plugin.handshake().network().wireName() + ", protocol version " + plugin.negotiatedVersion() + ")");
            plugin.close();
            if (options.crashKey == null && plugin.onExit().join().exitCode() != 0) {
                throw new IllegalStateException("plugin " + plugin.onExit().join().describe() + " on shutdown; "
                        + String.join(", ", details));
            }
            ending = options.crashKey == null ? "clean shutdown" : "no shutdown after the crash";
        }
        if (socketDir != null) {
            ending += ", " + socketDir.nothingLeft();
        }
        return String.join(", ", details) + ", " + ending;
    }

    /**
     * The benchmark options shared by the Java hosts ({@code --bench N}, {@code --bench-par P[,P...]},
     * {@code --cold N}, {@code --crash N}) and what they run. Every result is one line
     * {@code BENCH <what> key=value...}, the same as go-kv-host prints, so both hosts are measured alike:
     * <ul>
     *   <li>{@code --bench N}: after 20000 warm-up calls (a JVM host compiles the call path with C2 over
     *   about the first ten thousand), N {@code Get} round trips from one caller, then
     *   N (in all) from each P concurrent callers, each P after 20000 untimed calls from P callers (the
     *   paths of concurrent calls get compiled too): {@code BENCH get callers=C calls=N p50_us p99_us mean_us
     *   calls_per_s}; each call is timed alone, calls/s is calls over the wall time of the run;</li>
     *   <li>{@code --cold N}: N fresh launches, each timed from just before the process is started to the
     *   return of the first successful {@code Get}: {@code BENCH cold_start runs p50_ms mean_ms min_ms max_ms};</li>
     *   <li>{@code --crash N}: N launches, each SIGKILLed after one {@code Get}, timed from just before
     *   the kill to the moment {@link PluginClient#onExit()} completes: {@code BENCH crash_detect ...}.</li>
     * </ul>
     */
    public static final class Bench {
        /** Warm-up calls before any timed {@code Get}, and before the timed run of each number of callers. */
        public static final int WARM_UP = 20000;

        private Bench() {
        }

        /** Parsed benchmark options; all zero/empty means "no benchmark". */
        public static final class Options {
            int calls;
            final List<Integer> parallel = new ArrayList<>();
            int cold;
            int crash;

            /**
             * Parses the option at {@code args[i]}: the number of arguments it used, 0 when it is not a
             * benchmark option, -1 when its value is missing or not a positive number.
             */
            public int parse(String[] args, int i) {
                String option = args[i];
                if (!List.of("--bench", "--bench-par", "--cold", "--crash").contains(option)) {
                    return 0;
                }
                if (i + 1 >= args.length) {
                    return -1;
                }
                try {
                    List<Integer> values = new ArrayList<>();
                    for (String v : args[i + 1].split(",")) {
                        int n = Integer.parseInt(v.trim());
                        if (n <= 0) {
                            return -1;
                        }
                        values.add(n);
                    }
                    if (values.size() != 1 && !option.equals("--bench-par")) {
                        return -1;
                    }
                    switch (option) {
                        case "--bench" -> calls = values.get(0);
                        case "--bench-par" -> parallel.addAll(values);
                        case "--cold" -> cold = values.get(0);
                        default -> crash = values.get(0);
                    }
                    return 2;
                } catch (NumberFormatException e) {
                    return -1;
                }
            }

            /** Whether any benchmark was asked for. */
            public boolean any() {
                return calls > 0 || !parallel.isEmpty() || cold > 0 || crash > 0;
            }

            /**
             * Runs the benchmarks asked for against {@code config}'s plugin: {@code setup} runs once after
             * each start of a latency run (a Put), {@code getter} gives a thread-safe Get returning the
             * value's size. Prints the BENCH lines, then {@code PASS ...} (0) or {@code FAIL ...} (1).
             */
            public int run(ClientConfig config, String what, java.util.function.Consumer<PluginClient> setup,
                           java.util.function.Function<PluginClient, java.util.function.IntSupplier> getter,
                           PrintStream out) {
                try {
                    List<String> done = new ArrayList<>();
                    if (calls > 0 || !parallel.isEmpty()) {
                        int n = calls > 0 ? calls : 20000;
                        try (PluginClient plugin = PluginClient.start(config)) {
                            setup.accept(plugin);
                            java.util.function.IntSupplier get = getter.apply(plugin);
                            Runnable checked = () -> {
                                if (get.getAsInt() != 5) {
                                    throw new IllegalStateException("Get(\"hello\") did not return the 5 bytes put");
                                }
                            };
                            for (int w = 0; w < WARM_UP; w++) {
                                checked.run();
                            }
                            out.println(latency(1, n, checked));
                            for (int p : parallel) {
                                // Calls from several threads take code paths the single caller did not (contended
                                // queues and locks): without this, C2 compiles them during the timed run.
                                latency(p, WARM_UP, checked);
                                out.println(latency(p, n, checked));
                            }
                            done.add(n + " Gets per run, callers 1" + (parallel.isEmpty() ? "" : "," + join(parallel)));
                        }
                    }
                    if (cold > 0) {
                        long[] ns = new long[cold];
                        for (int r = 0; r < cold; r++) {
                            long t0 = System.nanoTime();
                            try (PluginClient plugin = PluginClient.start(config)) {
                                getter.apply(plugin).getAsInt();
                                ns[r] = System.nanoTime() - t0;
                            }
                        }
                        out.println(summary("cold_start", ns, "%.1f"));
                        done.add(cold + " cold starts");
                    }
                    if (crash > 0) {
                        long[] ns = new long[crash];
                        long[] jdk = new long[crash];
                        for (int r = 0; r < crash; r++) {
                            long[] both = crashDetection(config, getter);
                            ns[r] = both[0];
                            jdk[r] = both[1];
                        }
                        long[] sortedJdk = jdk.clone();
                        Arrays.sort(sortedJdk);
                        out.println(summary("crash_detect", ns, "%.2f") + String.format(java.util.Locale.ROOT,
                                " jdk_p50_ms=%.2f", percentile(sortedJdk, 0.50) / 1e6));
                        done.add(crash + " crash detections");
                    }
                    out.println("PASS bench " + what + ": " + String.join(", ", done));
                    return 0;
                } catch (RuntimeException e) {
                    out.println("FAIL bench " + what + ": " + String.valueOf(e.getMessage()).replace('\n', ' '));
                    return 1;
                }
            }
        }

        private static String join(List<Integer> values) {
            return String.join(",", values.stream().map(String::valueOf).toList());
        }

        /**
         * Starts the plugin, does one Get, SIGKILLs it: nanoseconds from the kill to {@link PluginClient#onExit()}
         * completing, and (for comparison, not the host's state) to the JDK's own {@code ProcessHandle.onExit()}.
         */
        static long[] crashDetection(ClientConfig config,
                                   java.util.function.Function<PluginClient, java.util.function.IntSupplier> getter) {
            try (PluginClient plugin = PluginClient.start(config)) {
                getter.apply(plugin).getAsInt();
                ProcessHandle process = ProcessHandle.of(plugin.pid())
                        .orElseThrow(() -> new IllegalStateException("plugin process is gone before the kill"));
                java.util.concurrent.CompletableFuture<Long> seen =
                        plugin.onExit().thenApply(exit -> System.nanoTime());
                java.util.concurrent.CompletableFuture<Long> jdk = process.onExit().thenApply(p -> System.nanoTime());
                long t0 = System.nanoTime();
                process.destroyForcibly(); // SIGKILL on Linux
                try {
                    long host = seen.get(10, java.util.concurrent.TimeUnit.SECONDS) - t0;
                    return new long[] {host, jdk.get(10, java.util.concurrent.TimeUnit.SECONDS) - t0};
                } catch (Exception e) {
                    throw new IllegalStateException("the host did not see the SIGKILLed plugin exit within 10 s: " + e, e);
                }
            }
        }

        /**
         * {@code calls} calls of {@code call} from {@code callers} threads (the calls split evenly), each
         * call timed alone: the {@code BENCH get} line.
         */
        public static String latency(int callers, int calls, Runnable call) {
            long[] ns = new long[calls];
            long wall;
            if (callers == 1) {
                long start = System.nanoTime();
                for (int c = 0; c < calls; c++) {
                    long t0 = System.nanoTime();
                    call.run();
                    ns[c] = System.nanoTime() - t0;
                }
                wall = System.nanoTime() - start;
            } else {
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                java.util.concurrent.atomic.AtomicReference<RuntimeException> failure =
                        new java.util.concurrent.atomic.AtomicReference<>();
                List<Thread> threads = new ArrayList<>();
                int from = 0;
                for (int t = 0; t < callers; t++) {
                    int count = calls / callers + (t < calls % callers ? 1 : 0);
                    int first = from;
                    from += count;
                    Thread thread = new Thread(() -> {
                        try {
                            go.await();
                            for (int c = first; c < first + count; c++) {
                                long t0 = System.nanoTime();
                                call.run();
                                ns[c] = System.nanoTime() - t0;
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } catch (RuntimeException e) {
                            failure.compareAndSet(null, e);
                        }
                    }, "bench-caller-" + t);
                    threads.add(thread);
                    thread.start();
                }
                long start = System.nanoTime();
                go.countDown();
                for (Thread thread : threads) {
                    try {
                        thread.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted", e);
                    }
                }
                wall = System.nanoTime() - start;
                if (failure.get() != null) {
                    throw failure.get();
                }
            }
            Arrays.sort(ns);
            double mean = Arrays.stream(ns).average().orElse(0);
            return String.format(java.util.Locale.ROOT,
                    "BENCH get callers=%d calls=%d p50_us=%.1f p99_us=%.1f mean_us=%.1f calls_per_s=%.0f",
                    callers, calls, percentile(ns, 0.50) / 1e3, percentile(ns, 0.99) / 1e3, mean / 1e3,
                    calls / (wall / 1e9));
        }

        /** The {@code BENCH <what> runs=... p50_ms mean_ms min_ms max_ms} line of {@code ns}. */
        public static String summary(String what, long[] ns, String format) {
            long[] sorted = ns.clone();
            Arrays.sort(sorted);
            double mean = Arrays.stream(sorted).average().orElse(0);
            String f = format;
            return String.format(java.util.Locale.ROOT, "BENCH %s runs=%d p50_ms=" + f + " mean_ms=" + f + " min_ms=" + f
                            + " max_ms=" + f, what, sorted.length, percentile(sorted, 0.50) / 1e6, mean / 1e6,
                    sorted[0] / 1e6, sorted[sorted.length - 1] / 1e6);
        }

        /** The nearest-rank percentile of sorted values: the ceil(p*n)-th smallest. */
        public static long percentile(long[] sorted, double p) {
            int rank = (int) Math.ceil(p * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
        }
    }
}
