package dev.outpost.benchmarks;

import dev.outpost.HandshakeConfig;
import dev.outpost.NonBlocking;
import dev.outpost.plugin.PluginServer;
import dev.outpost.plugin.ServeConfig;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The interface-mode plugin of {@link CallBenchmark}: serves {@link KeyValue} as {@code "kv"} over a
 * map, exactly like the interop module's {@code KvPlugin} serves {@code proto.KV}.
 */
public final class KeyValuePlugin {

    /** go-plugin's example handshake, the same as the interop KV plugin's. */
    public static final HandshakeConfig HANDSHAKE = HandshakeConfig.of(1, "BASIC_PLUGIN", "hello");

    /** {@code 1}: the store's methods are {@link NonBlocking}, for the comparison in benchmarks/README.md. */
    public static final String NON_BLOCKING = "KV_NON_BLOCKING";

    private KeyValuePlugin() {
    }

    public static void main(String[] args) {
        PluginServer.serve(ServeConfig.builder()
                .handshake(HANDSHAKE)
                .plugin("kv", KeyValue.class, "1".equals(System.getenv(NON_BLOCKING)) ? new NonBlockingInMemory()
                        : new InMemory())
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

    /** The same store, its methods marked {@link NonBlocking}: a map's get and put never block. */
    static final class NonBlockingInMemory implements KeyValue {
        private final InMemory store = new InMemory();

        @NonBlocking
        @Override
        public byte[] get(String key) {
            return store.get(key);
        }

        @NonBlocking
        @Override
        public void put(String key, byte[] value) {
            store.put(key, value);
        }
    }
}
