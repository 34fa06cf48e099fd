package dev.outpost.benchmarks.harness;

import com.google.protobuf.ByteString;
import dev.outpost.benchmarks.KeyValue;
import dev.outpost.grpc.GrpcPlugin;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.interop.proto.GetRequest;
import dev.outpost.interop.proto.KVGrpc;
import dev.outpost.interop.proto.PutRequest;
import dev.outpost.HandshakeConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Memory and scale of a Java host: {@code HostProbe [--plugins N [--parallel K]] [--idle-ms MS] [--interface] -- CMD [ARGS...]},
 * CMD a {@code proto.KV} plugin (handshake BASIC_PLUGIN=hello), or with {@code --interface} one serving the
 * plain Java interface {@link KeyValue} (the benchmarks' {@code KeyValuePlugin}).
 * <ol>
 *   <li>Starts one plugin, does a Put and a Get, waits MS idle, then prints the plugin's RSS
 *   ({@code /proc/PID/status} VmRSS) as {@code BENCH idle_plugin rss_mb=...} and this host's RSS, threads
 *   and heap (after a GC) with that one plugin as {@code BENCH host plugins=1 ...}; stops it.</li>
 *   <li>With N &gt; 0: starts N plugins, K at a time ({@code --parallel K}; by default all N at once), timed
 *   until the last start returned or failed; one Get on each started; idles MS; prints (when all started)
 *   {@code BENCH host plugins=N ...}; closes all at once, timed until the last process has exited:
 *   {@code BENCH scale plugins=N parallel=K started failed start_s stop_s plugins_rss_mb}; FAIL if any start
 *   failed.</li>
 * </ol>
 * Ends with {@code PASS ...} (exit 0) or {@code FAIL ...} (exit 1).
 */
public final class HostProbe {

    private static final HandshakeConfig HANDSHAKE = HandshakeConfig.of(1, "BASIC_PLUGIN", "hello");

    /** Whether the plugins serve {@link KeyValue} (interface mode) rather than {@code proto.KV}. */
    private static volatile boolean interfaceMode;

    private HostProbe() {
    }

    public static void main(String[] args) throws Exception {
        int plugins = 0;
        int parallel = 0;
        boolean iface = false;
        long idleMs = 2000;
        List<String> command = new ArrayList<>();
        int i = 0;
        for (; i < args.length && !args[i].equals("--"); i++) {
            switch (args[i]) {
                case "--plugins" -> plugins = Integer.parseInt(args[++i]);
                case "--idle-ms" -> idleMs = Long.parseLong(args[++i]);
                case "--parallel" -> parallel = Integer.parseInt(args[++i]);
                case "--interface" -> {
                    iface = true;
                    interfaceMode = true;
                }
                default -> {
                    System.err.println("usage: HostProbe [--plugins N [--parallel K]] [--idle-ms MS] [--interface] -- CMD [ARGS...]");
                    System.exit(2);
                }
            }
        }
        for (i++; i < args.length; i++) {
            command.add(args[i]);
        }
        ClientConfig.Builder builder = ClientConfig.builder().name("kv").handshake(HANDSHAKE).command(command);
        ClientConfig config = (iface ? builder.plugin("kv", KeyValue.class)
                : builder.plugin("kv", GrpcPlugin.client(KVGrpc::newBlockingStub))).build();
        try {
            try (PluginClient one = PluginClient.start(config)) {
                use(one);
                Thread.sleep(idleMs);
                System.out.printf(Locale.ROOT, "BENCH idle_plugin rss_mb=%.1f%n", rssKb(one.pid()) / 1024.0);
                System.out.println(host(1));
            }
            if (plugins > 0) {
                scale(config, plugins, parallel > 0 ? Math.min(parallel, plugins) : plugins, idleMs);
            }
            System.out.println("PASS probe: idle plugin" + (plugins > 0 ? ", " + plugins + " plugins" : ""));
        } catch (Exception e) {
            System.out.println("FAIL probe: " + String.valueOf(e).replace('\n', ' '));
            PluginClient.closeAll();
            System.exit(1);
        }
        System.exit(0);
    }

    private static void scale(ClientConfig config, int plugins, int parallel, long idleMs) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        List<PluginClient> clients = new ArrayList<>();
        try {
            List<Future<PluginClient>> starts = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int p = 0; p < plugins; p++) {
                starts.add(pool.submit(() -> PluginClient.start(config)));
            }
            Exception failure = null;
            int failed = 0;
            for (Future<PluginClient> start : starts) {
                try {
                    clients.add(start.get(300, TimeUnit.SECONDS));
                } catch (Exception e) {
                    failed++;
                    failure = failure == null ? e : failure;
                }
            }
            long started = System.nanoTime() - t0;
            for (PluginClient client : clients) {
                use(client);
            }
            Thread.sleep(idleMs);
            long pluginsRssKb = 0;
            for (PluginClient client : clients) {
                pluginsRssKb += rssKb(client.pid());
            }
            if (failure == null) {
                System.out.println(host(plugins));
            }
            long t1 = System.nanoTime();
            List<CompletableFuture<?>> stops = new ArrayList<>();
            ExecutorService stopPool = Executors.newFixedThreadPool(Math.max(1, clients.size()));
            for (PluginClient client : clients) {
                stops.add(CompletableFuture.runAsync(client::close, stopPool));
            }
            for (PluginClient client : clients) {
                stops.add(client.onExit());
            }
            CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
            long stopped = System.nanoTime() - t1;
            stopPool.shutdownNow();
            System.out.printf(Locale.ROOT, "BENCH scale plugins=%d parallel=%d started=%d failed=%d start_s=%.2f stop_s=%.2f"
                            + " plugins_rss_mb=%.0f%n", plugins, parallel, clients.size(), failed, started / 1e9,
                    stopped / 1e9, pluginsRssKb / 1024.0);
            if (failure != null) {
                throw failure;
            }
        } finally {
            clients.forEach(PluginClient::close);
            pool.shutdownNow();
        }
    }

    /** A Put and a Get, so the plugin has served calls before it is measured. */
    private static void use(PluginClient client) {
        if (interfaceMode) {
            KeyValue kv = client.dispense("kv", KeyValue.class);
            kv.put("hello", "world".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (kv.get("hello").length != 5) {
                throw new IllegalStateException("get(\"hello\") did not return the 5 bytes put");
            }
            return;
        }
        KVGrpc.KVBlockingStub kv = client.dispense("kv", KVGrpc.KVBlockingStub.class);
        kv.put(PutRequest.newBuilder().setKey("hello").setValue(ByteString.copyFromUtf8("world")).build());
        if (kv.get(GetRequest.newBuilder().setKey("hello").build()).getValue().size() != 5) {
            throw new IllegalStateException("Get(\"hello\") did not return the 5 bytes put");
        }
    }

    /** This host's RSS, threads (all, from /proc) and heap after a GC. */
    private static String host(int plugins) throws IOException {
        System.gc();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return String.format(Locale.ROOT, "BENCH host plugins=%d rss_mb=%.1f threads=%d heap_used_mb=%.1f heap_committed_mb=%.1f",
                plugins, status("self", "VmRSS") / 1024.0, status("self", "Threads"), heap.getUsed() / 1048576.0,
                heap.getCommitted() / 1048576.0);
    }

    static long rssKb(long pid) throws IOException {
        return status(Long.toString(pid), "VmRSS");
    }

    /** A numeric field of /proc/PID/status (kB for memory fields). */
    private static long status(String pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new IOException("no " + field + " in /proc/" + pid + "/status");
    }
}
