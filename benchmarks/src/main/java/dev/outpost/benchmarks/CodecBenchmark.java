package dev.outpost.benchmarks;

import dev.outpost.internal.grpc.Broker;
import com.google.protobuf.ByteString;
import dev.outpost.grpc.GrpcBroker;
import dev.outpost.interop.KvPlugin;
import dev.outpost.interop.proto.GetRequest;
import dev.outpost.interop.proto.KVGrpc;
import dev.outpost.interop.proto.PutRequest;
import dev.outpost.rpc.InterfacePlugin;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
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
 * The same {@code Get} as {@link CallBenchmark} without a socket or a second process: host and plugin
 * side in this JVM, joined by gRPC's in-process transport with a direct executor, so the call runs on
 * the benchmark thread. What remains is the per-call cost of each mode's stack: the proxy, the JSON
 * codec and the reflective dispatch of interface mode against the generated stub and protobuf
 * messages, plus gRPC's own call machinery, which both share. Uses only public API
 * ({@link InterfacePlugin}, {@link GrpcBroker}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+UseSerialGC"})
@Warmup(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class CodecBenchmark {

    private Server server;
    private ManagedChannel channel;
    private Broker pluginBroker;
    private Broker hostBroker;
    private KVGrpc.KVBlockingStub protobuf;
    private KeyValue iface;

    @Setup(Level.Trial)
    public void start() throws IOException {
        // Callbacks would need the broker to listen; KeyValue has none, so it never does.
        pluginBroker = new Broker("plugin", () -> {
            throw new UnsupportedOperationException("no callbacks in this benchmark");
        }, Broker.DEFAULT_DIAL_TIMEOUT);
        hostBroker = new Broker("kv-in-process", () -> {
            throw new UnsupportedOperationException("no callbacks in this benchmark");
        }, Broker.DEFAULT_DIAL_TIMEOUT);
        String name = "outpost-codec-benchmark-" + ProcessHandle.current().pid();
        InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new KvPlugin.Kv());
        InterfacePlugin.server(KeyValue.class, new KeyValuePlugin.InMemory()).services(pluginBroker)
                .forEach(builder::addService);
        server = builder.build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        protobuf = KVGrpc.newBlockingStub(channel);
        iface = InterfacePlugin.client(KeyValue.class).client(channel, hostBroker);

        protobuf.put(PutRequest.newBuilder().setKey(CallBenchmark.KEY)
                .setValue(ByteString.copyFrom(CallBenchmark.VALUE)).build());
        iface.put(CallBenchmark.KEY, CallBenchmark.VALUE);
        CallBenchmark.check(protobuf.get(GetRequest.newBuilder().setKey(CallBenchmark.KEY).build())
                .getValue().toByteArray(), "protobuf");
        CallBenchmark.check(iface.get(CallBenchmark.KEY), "interface");
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
        server.awaitTermination(5, TimeUnit.SECONDS);
        hostBroker.close();
        pluginBroker.close();
    }

    @Benchmark
    public ByteString getProtobuf() {
        return protobuf.get(GetRequest.newBuilder().setKey(CallBenchmark.KEY).build()).getValue();
    }

    @Benchmark
    public byte[] getInterface() {
        return iface.get(CallBenchmark.KEY);
    }
}
