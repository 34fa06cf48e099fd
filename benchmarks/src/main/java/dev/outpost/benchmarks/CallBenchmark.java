package dev.outpost.benchmarks;

import com.google.protobuf.ByteString;
import dev.outpost.grpc.GrpcPlugin;
import dev.outpost.host.PluginClient;
import dev.outpost.interop.KvPlugin;
import dev.outpost.interop.proto.GetRequest;
import dev.outpost.interop.proto.KVGrpc;
import dev.outpost.interop.proto.PutRequest;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One key/value {@code Get} to a real plugin process over a Unix socket, done two ways:
 *
 * <ul>
 *   <li>{@link #getProtobuf}: protobuf mode, a generated gRPC stub ({@code proto.KV/Get}) to the interop
 *       module's Java plugin {@link KvPlugin};</li>
 *   <li>{@link #getInterface}: interface mode, a dynamic proxy of the plain Java interface
 *       {@link KeyValue} (arguments and result as JSON) to {@link KeyValuePlugin}.</li>
 * </ul>
 *
 * <p>Each plugin is a separate JVM with the benchmark's class path and the same flags
 * ({@link PluginLauncher#DEFAULT_JVM_ARGS}), started once per trial; each mode has its own state so
 * only the plugin being measured is running. The key holds a 16-byte value. The interface/protobuf
 * ratio: {@code java -cp outpost-benchmarks.jar dev.outpost.benchmarks.Report RESULT.json}.
 */
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+UseSerialGC"})
// Both JVMs (host and plugin) warm up during the warmup; on a 2-core VM they settled after 16-20 s.
@Warmup(iterations = 10, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
public class CallBenchmark {

    static final String KEY = "benchmark-key";
    static final byte[] VALUE = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Protobuf mode: the interop KV plugin and a blocking {@code proto.KV} stub. */
    @State(Scope.Benchmark)
    public static class ProtobufPlugin {
        PluginClient plugin;
        KVGrpc.KVBlockingStub kv;

        @Setup(Level.Trial)
        public void start() {
            plugin = PluginLauncher.start("kv-protobuf", KvPlugin.class, GrpcPlugin.client(KVGrpc::newBlockingStub));
            try {
                kv = plugin.dispense("kv", KVGrpc.KVBlockingStub.class);
                kv.put(PutRequest.newBuilder().setKey(KEY).setValue(ByteString.copyFrom(VALUE)).build());
                byte[] read = kv.get(GetRequest.newBuilder().setKey(KEY).build()).getValue().toByteArray();
                check(read, "protobuf");
            } catch (RuntimeException | Error e) {
                plugin.close();
                throw e;
            }
        }

        @TearDown(Level.Trial)
        public void stop() {
            plugin.close();
        }
    }

    /** Interface mode: {@link KeyValuePlugin} and a proxy of {@link KeyValue}. */
    @State(Scope.Benchmark)
    public static class InterfacePlugin {
        PluginClient plugin;
        KeyValue kv;

        @Setup(Level.Trial)
        public void start() {
            plugin = PluginLauncher.start("kv-interface", KeyValuePlugin.class, KeyValue.class);
            try {
                kv = plugin.dispense("kv", KeyValue.class);
                kv.put(KEY, VALUE);
                check(kv.get(KEY), "interface");
            } catch (RuntimeException | Error e) {
                plugin.close();
                throw e;
            }
        }

        @TearDown(Level.Trial)
        public void stop() {
            plugin.close();
        }
    }

    @Benchmark
    public ByteString getProtobuf(ProtobufPlugin state) {
        return state.kv.get(GetRequest.newBuilder().setKey(KEY).build()).getValue();
    }

    @Benchmark
    public byte[] getInterface(InterfacePlugin state) {
        return state.kv.get(KEY);
    }

    static void check(byte[] read, String mode) {
        if (!Arrays.equals(read, VALUE)) {
            throw new IllegalStateException(mode + " mode: Get returned " + Arrays.toString(read)
                    + ", expected " + Arrays.toString(VALUE));
        }
    }
}
