package dev.outpost.interop;

import com.google.protobuf.ByteString;
import dev.outpost.grpc.GrpcPlugin;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.PluginException;
import dev.outpost.interop.proto.AddHelperGrpc;
import dev.outpost.interop.proto.CounterGetRequest;
import dev.outpost.interop.proto.CounterGrpc;
import dev.outpost.interop.proto.CounterPutRequest;
import dev.outpost.interop.proto.GetRequest;
import dev.outpost.interop.proto.KVGrpc;
import dev.outpost.interop.proto.PutRequest;
import dev.outpost.interop.proto.SumRequest;
import dev.outpost.interop.proto.SumResponse;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import io.grpc.stub.StreamObserver;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Java host for go-plugin's KV example: {@code java-kv-host [--counter] [--automtls] [--bench N [--bench-par P]]
 * [--cold N] [--crash N] -- CMD [ARGS…]} (the benchmark options: see {@link Bench}).
 * Launches CMD as a plugin, exercises it, shuts it down, and prints as its last line
 * {@code PASS <details>} (exit 0) or {@code FAIL <reason>} (exit 1). Wrong usage exits 2. With
 * {@code --automtls} every call, and every callback the plugin makes to the host, must have run over
 * a TLS session in which the plugin presented the certificate it announced.
 */
public final class KvHost {

    private KvHost() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    private static final String USAGE = "usage: java-kv-host [--counter] [--automtls] [--bench N [--bench-par P[,P...]]]"
            + " [--cold N] [--crash N] -- CMD [ARGS...]";

    static int run(String[] args, PrintStream out, PrintStream err) {
        boolean counter = false;
        boolean autoMtls = false;
        Bench.Options bench = new Bench.Options();
        List<String> command = new ArrayList<>();
        int i = 0;
        for (; i < args.length && !args[i].equals("--"); i++) {
            switch (args[i]) {
                case "--counter" -> counter = true;
                case "--automtls" -> autoMtls = true;
                default -> {
                    int used = bench.parse(args, i);
                    if (used <= 0) {
                        err.println("java-kv-host: " + (used == 0 ? "unknown option " + args[i]
                                : "option " + args[i] + " needs a positive number (P may be a list: 4,16)"));
                        err.println(USAGE);
                        return 2;
                    }
                    i += used - 1;
                }
            }
        }
        for (i++; i < args.length; i++) {
            command.add(args[i]);
        }
        if (command.isEmpty() || (bench.any() && counter)) {
            err.println(command.isEmpty() ? USAGE : "java-kv-host: --counter cannot be combined with --bench, --cold or --crash");
            return 2;
        }
        ClientConfig config = ClientConfig.builder()
                .handshake(Interop.HANDSHAKE)
                .command(command)
                .plugin("kv", GrpcPlugin.client(KVGrpc::newBlockingStub))
                .plugin("counter", GrpcPlugin.client(CounterGrpc::newBlockingStub))
                .autoMtls(autoMtls)
                .build();
        if (bench.any()) {
            return bench.run(config, "proto.KV", client -> KVGrpc.newBlockingStub(client.channel())
                    .put(PutRequest.newBuilder().setKey("hello").setValue(ByteString.copyFromUtf8("world")).build()),
                    client -> {
                        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(client.channel());
                        GetRequest request = GetRequest.newBuilder().setKey("hello").build();
                        return () -> kv.get(request).getValue().size();
                    }, out);
        }
        try (PluginClient plugin = PluginClient.start(config)) {
            TlsCheck tls = autoMtls ? new TlsCheck(plugin) : null;
            Channel channel = tls != null ? ClientInterceptors.intercept(plugin.channel(), tls) : plugin.channel();
            String details = counter ? counter(plugin, channel, tls) : kv(channel);
            if (tls != null) {
                details += ", " + tls.verify(counter ? 2 : 0);
            }
            String summary = details + " (pid " + plugin.pid() + ", " + plugin.handshake().network().wireName()
                    + ", protocol version " + plugin.negotiatedVersion() + ")";
            plugin.close();
            if (plugin.onExit().join().exitCode() != 0) {
                out.println("FAIL plugin " + plugin.onExit().join().describe() + " on shutdown; " + summary);
                return 1;
            }
            out.println("PASS " + summary + ", clean shutdown");
            return 0;
        } catch (PluginException | StatusRuntimeException | IllegalStateException e) {
            out.println("FAIL " + e.getMessage().replace('\n', ' '));
            return 1;
        }
    }

    private static String kv(Channel channel) {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
        kv.put(PutRequest.newBuilder().setKey("hello").setValue(ByteString.copyFromUtf8("world")).build());
        String value = kv.get(GetRequest.newBuilder().setKey("hello").build()).getValue().toStringUtf8();
        if (!value.equals("world")) {
            throw new IllegalStateException("Get(\"hello\") returned \"" + value + "\", expected \"world\"");
        }
        return "kv: Put/Get hello=\"world\"";
    }

    private static String counter(PluginClient plugin, Channel channel, TlsCheck tls) throws IllegalStateException {
        CounterGrpc.CounterBlockingStub counter = CounterGrpc.newBlockingStub(channel);
        AtomicInteger sums = new AtomicInteger();
        int id = plugin.broker().nextId();
        ServerServiceDefinition helper = new AddHelperGrpc.AddHelperImplBase() {
            @Override
            public void sum(SumRequest request, StreamObserver<SumResponse> response) {
                sums.incrementAndGet();
                response.onNext(SumResponse.newBuilder().setR(request.getA() + request.getB()).build());
                response.onCompleted();
            }
        }.bindService();
        if (tls != null) {
            helper = ServerInterceptors.intercept(helper, tls.serverSide());
        }
        try (AutoCloseable server = plugin.broker().acceptAndServe(id, List.of(helper))) {
            counter.put(CounterPutRequest.newBuilder().setAddServer(id).setKey("c").setValue(5).build());
            counter.put(CounterPutRequest.newBuilder().setAddServer(id).setKey("c").setValue(7).build());
            long value = counter.get(CounterGetRequest.newBuilder().setKey("c").build()).getValue();
            if (value != 12 || sums.get() != 2) {
                throw new IllegalStateException("counter c=" + value + " after Put 5 and 7 with " + sums.get()
                        + " Sum calls on the host; expected 12 with 2 calls");
            }
            return "counter: c=12 after Put 5+7, Sum calls on the host=2, broker id=" + id;
        } catch (IllegalStateException | PluginException | StatusRuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("stopping the AddHelper server: " + e.getMessage(), e);
        }
    }

    /**
     * Checks, from the TLS session gRPC reports for each call, that the connection really is mutual
     * TLS with the plugin: both sides presented a certificate, and the plugin's is the one it
     * announced. Client calls to the plugin and the plugin's calls to the host's broker server count.
     */
    private static final class TlsCheck implements ClientInterceptor {
        private final X509Certificate pluginCert;
        private final List<String> problems = new CopyOnWriteArrayList<>();
        private final List<String> protocols = new CopyOnWriteArrayList<>();
        private final AtomicInteger clientCalls = new AtomicInteger();
        private final AtomicInteger serverCalls = new AtomicInteger();

        TlsCheck(PluginClient plugin) {
            this.pluginCert = plugin.pluginCertificate().orElseThrow(() ->
                    new IllegalStateException("AutoMTLS was asked for, but the host holds no plugin certificate"));
        }

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    ClientCall<Q, R> call = delegate();
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            clientCalls.incrementAndGet();
                            check("call " + method.getBareMethodName(), call.getAttributes(), true);
                            super.onClose(status, trailers);
                        }
                    }, headers);
                }
            };
        }

        ServerInterceptor serverSide() {
            return new ServerInterceptor() {
                @Override
                public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                                   ServerCallHandler<Q, R> next) {
                    serverCalls.incrementAndGet();
                    check("callback " + call.getMethodDescriptor().getBareMethodName(), call.getAttributes(), false);
                    return next.startCall(call, headers);
                }
            };
        }

        private void check(String what, Attributes attributes, boolean weAreClient) {
            SSLSession session = attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            if (session == null) {
                problems.add(what + " ran without TLS");
                return;
            }
            protocols.add(session.getProtocol());
            Certificate[] ours = session.getLocalCertificates();
            if (ours == null || ours.length == 0) {
                problems.add(what + ": the host presented no certificate");
            }
            try {
                Certificate[] theirs = session.getPeerCertificates();
                if (!Arrays.equals(theirs[0].getEncoded(), pluginCert.getEncoded())) {
                    problems.add(what + ": the plugin presented another certificate than it announced");
                }
            } catch (SSLPeerUnverifiedException e) {
                problems.add(what + ": the plugin presented no certificate" + (weAreClient ? "" : " (no client auth)"));
            } catch (java.security.cert.CertificateEncodingException e) {
                problems.add(what + ": " + e.getMessage());
            }
        }

        /** What was checked, or an exception saying what was not mutual TLS. */
        String verify(int expectedCallbacks) {
            if (clientCalls.get() == 0) {
                problems.add("no call was checked");
            }
            if (serverCalls.get() != expectedCallbacks) {
                problems.add(serverCalls.get() + " callbacks checked, expected " + expectedCallbacks);
            }
            if (!problems.isEmpty()) {
                throw new IllegalStateException("not mutual TLS: " + String.join("; ", problems));
            }
            return "automtls: " + clientCalls.get() + " calls" + (expectedCallbacks > 0 ? " and " + serverCalls.get()
                    + " callbacks" : "") + " over mutual TLS (" + String.join("/", new java.util.TreeSet<>(protocols))
                    + "), plugin certificate " + pluginCert.getSubjectX500Principal().getName() + " serial "
                    + pluginCert.getSerialNumber().toString(16) + " pinned";
        }
    }

    /**
     * The benchmark options shared by the Java hosts ({@code --bench N}, {@code --bench-par P[,P...]},
     * {@code --cold N}, {@code --crash N}) and what they run. Every result is one line
     * {@code BENCH <what> key=value...}, the same as go-kv-host prints, so both hosts are measured alike:
     * <ul>
     *   <li>{@code --bench N}: after 20000 warm-up calls (a JVM host compiles the call path with C2 over
     *   about the first ten thousand), N {@code Get} round trips from one caller, then
     *   N (in all) from each P concurrent callers: {@code BENCH get callers=C calls=N p50_us p99_us mean_us
     *   calls_per_s}; each call is timed alone, calls/s is calls over the wall time of the run;</li>
     *   <li>{@code --cold N}: N fresh launches, each timed from just before the process is started to the
     *   return of the first successful {@code Get}: {@code BENCH cold_start runs p50_ms mean_ms min_ms max_ms};</li>
     *   <li>{@code --crash N}: N launches, each SIGKILLed after one {@code Get}, timed from just before
     *   the kill to the moment {@link PluginClient#onExit()} completes: {@code BENCH crash_detect ...}.</li>
     * </ul>
     */
    public static final class Bench {
        /** Warm-up calls before any timed {@code Get}. */
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
