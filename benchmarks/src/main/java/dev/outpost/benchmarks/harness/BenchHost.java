package dev.outpost.benchmarks.harness;

import dev.outpost.benchmarks.KeyValue;
import dev.outpost.benchmarks.KeyValuePlugin;
import dev.outpost.host.ClientConfig;
import dev.outpost.interop.KvHost;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The interface-mode bench host: {@code BenchHost [--bench N [--bench-par P[,P...]]] [--cold N] [--crash N]
 * -- CMD [ARGS...]} launches CMD as a plugin serving the plain Java interface {@link KeyValue} as
 * {@code "kv"} (the benchmarks' {@link KeyValuePlugin}) and measures it exactly like
 * {@code java-kv-host} measures a {@code proto.KV} plugin (it runs the same {@link KvHost.Bench} code), printing
 * the same {@code BENCH ...} lines and then {@code PASS ...} (exit 0) or {@code FAIL ...} (exit 1).
 */
public final class BenchHost {

    private static final String USAGE =
            "usage: BenchHost [--bench N [--bench-par P[,P...]]] [--cold N] [--crash N] -- CMD [ARGS...]";

    private BenchHost() {
    }

    public static void main(String[] args) {
        KvHost.Bench.Options options = new KvHost.Bench.Options();
        List<String> command = new ArrayList<>();
        int i = 0;
        for (; i < args.length && !args[i].equals("--"); i++) {
            int used = options.parse(args, i);
            if (used <= 0) {
                System.err.println("BenchHost: bad option " + args[i]);
                System.err.println(USAGE);
                System.exit(2);
            }
            i += used - 1;
        }
        for (i++; i < args.length; i++) {
            command.add(args[i]);
        }
        if (command.isEmpty() || !options.any()) {
            System.err.println(USAGE);
            System.exit(2);
        }
        ClientConfig config = ClientConfig.builder()
                .name("kv-interface")
                .handshake(KeyValuePlugin.HANDSHAKE)
                .command(command)
                .plugin("kv", KeyValue.class)
                .build();
        byte[] world = "world".getBytes(StandardCharsets.UTF_8);
        System.exit(options.run(config, "interface KeyValue",
                client -> client.dispense("kv", KeyValue.class).put("hello", world),
                client -> {
                    KeyValue kv = client.dispense("kv", KeyValue.class);
                    return () -> kv.get("hello").length;
                }, System.out));
    }
}
