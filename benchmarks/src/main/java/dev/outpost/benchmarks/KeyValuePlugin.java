package dev.outpost.benchmarks;

import dev.outpost.plugin.PluginServer;
import dev.outpost.plugin.ServeConfig;
import dev.outpost.HandshakeConfig;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The interface-mode plugin of {@link CallBenchmark}: serves {@link KeyValue} as {@code "kv"} over a
 * map, exactly like the interop module's {@code KvPlugin} serves {@code proto.KV}.
 */
public final class KeyValuePlugin {

    /** go-plugin's example handshake, the same as the interop KV plugin's. */
    public static final HandshakeConfig HANDSHAKE = HandshakeConfig.of(1, "BASIC_PLUGIN", "hello");

    private KeyValuePlugin() {
    }

    public static void main(String[] args) {
        PluginServer.serve(ServeConfig.builder()
                .handshake(HANDSHAKE)
                .plugin("kv", KeyValue.class, new InMemory())
                .build());
    }

    /** {@link KeyValue} over a map. */
    static final class InMemory implements KeyValue {
        private static final byte[] EMPTY = new byte[0];
        private final Map<String, byte[]> values = new ConcurrentHashMap<>();

        @Override
        public byte[] get(String key) {
            return values.getOrDefault(key, EMPTY);
        }

        @Override
        public void put(String key, byte[] value) {
            values.put(key, value);
        }
    }
}
