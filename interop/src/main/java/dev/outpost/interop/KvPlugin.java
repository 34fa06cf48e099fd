package dev.outpost.interop;

import com.google.protobuf.ByteString;
import dev.outpost.grpc.GrpcBroker;
import dev.outpost.grpc.GrpcPlugin;
import dev.outpost.interop.proto.AddHelperGrpc;
import dev.outpost.interop.proto.CounterGetRequest;
import dev.outpost.interop.proto.CounterGetResponse;
import dev.outpost.interop.proto.CounterGrpc;
import dev.outpost.interop.proto.CounterPutRequest;
import dev.outpost.interop.proto.Empty;
import dev.outpost.interop.proto.GetRequest;
import dev.outpost.interop.proto.GetResponse;
import dev.outpost.interop.proto.KVGrpc;
import dev.outpost.interop.proto.PutRequest;
import dev.outpost.interop.proto.SumRequest;
import dev.outpost.plugin.PluginLogger;
import dev.outpost.plugin.PluginServer;
import dev.outpost.plugin.ServeConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * go-plugin's example services served from Java: {@code "kv"} ({@code proto.KV}, in memory) and
 * {@code "counter"} ({@code proto.Counter}, which adds through the host's {@code AddHelper} reached
 * through the broker). Launched by {@code interop/java-kv-plugin}.
 */
public final class KvPlugin {

    private static final PluginLogger LOG = PluginLogger.named("java-kv-plugin");

    private KvPlugin() {
    }

    public static void main(String[] args) {
        PluginServer.serve(ServeConfig.builder()
                .handshake(Interop.HANDSHAKE)
                .plugin("kv", GrpcPlugin.server(new Kv()))
                .plugin("counter", GrpcPlugin.of(broker -> List.of(new Counter(broker).bindService()),
                        (channel, broker) -> {
                            throw new UnsupportedOperationException("plugin side only");
                        }))
                .build());
    }

    /** {@code proto.KV} over a map (also what the JMH codec benchmark serves in-process). */
    public static final class Kv extends KVGrpc.KVImplBase {
        private final Map<String, ByteString> values = new ConcurrentHashMap<>();

        @Override
        public void get(GetRequest request, StreamObserver<GetResponse> response) {
            response.onNext(GetResponse.newBuilder()
                    .setValue(values.getOrDefault(request.getKey(), ByteString.EMPTY)).build());
            response.onCompleted();
        }

        @Override
        public void put(PutRequest request, StreamObserver<Empty> response) {
            values.put(request.getKey(), request.getValue());
            LOG.debug("put", "key", request.getKey(), "bytes", request.getValue().size());
            response.onNext(Empty.getDefaultInstance());
            response.onCompleted();
        }
    }

    /** {@code proto.Counter}: each Put asks the host's AddHelper for the new sum. */
    static final class Counter extends CounterGrpc.CounterImplBase {
        private final GrpcBroker broker;
        private final Map<String, Long> values = new ConcurrentHashMap<>();
        // A broker announcement is consumed by its dial: keep the connection for later calls.
        private final Map<Integer, ManagedChannel> helpers = new ConcurrentHashMap<>();

        Counter(GrpcBroker broker) {
            this.broker = broker;
        }

        @Override
        public synchronized void put(CounterPutRequest request, StreamObserver<Empty> response) {
            try {
                ManagedChannel helper = helpers.computeIfAbsent(request.getAddServer(), broker::dial);
                long current = values.getOrDefault(request.getKey(), 0L);
                long sum = AddHelperGrpc.newBlockingStub(helper)
                        .sum(SumRequest.newBuilder().setA(current).setB(request.getValue()).build()).getR();
                values.put(request.getKey(), sum);
                response.onNext(Empty.getDefaultInstance());
                response.onCompleted();
            } catch (RuntimeException e) {
                response.onError(Status.UNAVAILABLE.withDescription("cannot reach the host's AddHelper: "
                        + e.getMessage()).asRuntimeException());
            }
        }

        @Override
        public void get(CounterGetRequest request, StreamObserver<CounterGetResponse> response) {
            response.onNext(CounterGetResponse.newBuilder().setValue(values.getOrDefault(request.getKey(), 0L)).build());
            response.onCompleted();
        }
    }
}
