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
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * go-plugin's example services served from Java: {@code "kv"} ({@code proto.KV}, in memory) and
 * {@code "counter"} ({@code proto.Counter}, which adds through the host's {@code AddHelper} reached
 * through the broker). Launched by {@code interop/java-kv-plugin}.
 *
 * <p>Hosts testing how they cope with a plugin set these variables (other hosts and tests rely on them
 * exactly as written here):
 * <ul>
 *   <li>{@code KV_CRASH_ON=<key>}: a {@code Get} of that key exits the process with status 2 in the
 *   middle of the call, without an answer;</li>
 *   <li>{@code KV_HANG_ON=<key>}: a {@code Get} of that key blocks until the call is cancelled (its
 *   deadline passes, the host goes away); other calls are served meanwhile;</li>
 *   <li>{@code KV_PRINT=1}: each {@code Put} writes {@code kv-print stdout: put key=<key> bytes=<n>} to
 *   {@code System.out} and {@code kv-print stderr: put key=<key> bytes=<n>} to {@code System.err}, which
 *   reach the host through go-plugin's stdio service.</li>
 *   <li>{@code KV_NON_BLOCKING=1}: {@code Get} and {@code Put} run without a thread hand-off (for the
 *   benchmarks' comparison).</li>
 * </ul>
 */
public final class KvPlugin {

    /** A {@code Get} of this key exits the process with status 2 in the middle of the call. */
    public static final String CRASH_ON = "KV_CRASH_ON";
    /** A {@code Get} of this key blocks until the call is cancelled. */
    public static final String HANG_ON = "KV_HANG_ON";
    /** {@code 1}: each {@code Put} prints a line on {@code System.out} and one on {@code System.err}. */
    public static final String PRINT = "KV_PRINT";
    /**
     * {@code 1}: {@code Get} and {@code Put} run on the connection's I/O thread ({@link
     * ServeConfig.Builder#nonBlocking}): a map's get and put never block. Not with {@link #HANG_ON} or
     * {@link #CRASH_ON}, whose calls block or exit.
     */
    public static final String NON_BLOCKING = "KV_NON_BLOCKING";
    /** The exit status of a {@link #CRASH_ON} crash. */
    public static final int CRASH_STATUS = 2;

    private static final PluginLogger LOG = PluginLogger.named("java-kv-plugin");

    private KvPlugin() {
    }

    public static void main(String[] args) {
        ServeConfig.Builder config = ServeConfig.builder()
                .handshake(Interop.HANDSHAKE)
                .plugin("kv", GrpcPlugin.server(new Kv(System.getenv(CRASH_ON), System.getenv(HANG_ON),
                        "1".equals(System.getenv(PRINT)))))
                .plugin("counter", broker -> List.of(new Counter(broker).bindService()));
        if ("1".equals(System.getenv(NON_BLOCKING)) && System.getenv(HANG_ON) == null
                && System.getenv(CRASH_ON) == null) {
            config.nonBlocking(KVGrpc.getGetMethod().getFullMethodName(), KVGrpc.getPutMethod().getFullMethodName());
        }
        PluginServer.serve(config.build());
    }

    /** {@code proto.KV} over a map (also what the JMH codec benchmark serves in-process). */
    public static final class Kv extends KVGrpc.KVImplBase {
        private final Map<String, ByteString> values = new ConcurrentHashMap<>();
        private final String crashOn;
        private final String hangOn;
        private final boolean print;

        /** A store that only stores. */
        public Kv() {
            this(null, null, false);
        }

        /** A store that crashes on a {@code Get} of {@code crashOn}, hangs on one of {@code hangOn} (either may be null). */
        Kv(String crashOn, String hangOn, boolean print) {
            this.crashOn = crashOn;
            this.hangOn = hangOn;
            this.print = print;
        }

        @Override
        public void get(GetRequest request, StreamObserver<GetResponse> response) {
            String key = request.getKey();
            if (key.equals(crashOn)) {
                LOG.warn("crashing, as " + CRASH_ON + " asks", "key", key);
                // halt, not exit: a crash runs no shutdown hook and sends no answer.
                Runtime.getRuntime().halt(CRASH_STATUS);
            }
            if (key.equals(hangOn)) {
                awaitCancellation(key);
                response.onError(Status.CANCELLED.withDescription("Get(\"" + key + "\") was cancelled")
                        .asRuntimeException());
                return;
            }
            response.onNext(GetResponse.newBuilder().setValue(values.getOrDefault(key, ByteString.EMPTY)).build());
            response.onCompleted();
        }

        @Override
        public void put(PutRequest request, StreamObserver<Empty> response) {
            values.put(request.getKey(), request.getValue());
            LOG.debug("put", "key", request.getKey(), "bytes", request.getValue().size());
            if (print) {
                String what = "put key=" + request.getKey() + " bytes=" + request.getValue().size();
                System.out.println("kv-print stdout: " + what);
                System.err.println("kv-print stderr: " + what);
            }
            response.onNext(Empty.getDefaultInstance());
            response.onCompleted();
        }

        /** Blocks this call's thread (each call has its own) until the host cancels the call. */
        private static void awaitCancellation(String key) {
            LOG.info("hanging, as " + HANG_ON + " asks, until the call is cancelled", "key", key);
            CountDownLatch cancelled = new CountDownLatch(1);
            Context.current().addListener(context -> cancelled.countDown(), Runnable::run);
            try {
                cancelled.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * {@code proto.Counter}: each Put asks the host's AddHelper for the new sum. As go-plugin's
     * bidirectional example, it dials the Put's broker id afresh for every Put and closes the connection
     * after: a host serves the helper under a new id for each Put, and go-plugin's broker hands one
     * announcement to one dial, so a connection kept from an earlier Put would be to a stopped server.
     */
    static final class Counter extends CounterGrpc.CounterImplBase {
        private final GrpcBroker broker;
        private final Map<String, Long> values = new ConcurrentHashMap<>();

        Counter(GrpcBroker broker) {
            this.broker = broker;
        }

        @Override
        public synchronized void put(CounterPutRequest request, StreamObserver<Empty> response) {
            ManagedChannel helper = null;
            try {
                helper = broker.dial(request.getAddServer());
                long current = values.getOrDefault(request.getKey(), 0L);
                long sum = AddHelperGrpc.newBlockingStub(helper)
                        .sum(SumRequest.newBuilder().setA(current).setB(request.getValue()).build()).getR();
                values.put(request.getKey(), sum);
                response.onNext(Empty.getDefaultInstance());
                response.onCompleted();
            } catch (RuntimeException e) {
                response.onError(Status.UNAVAILABLE.withDescription("cannot reach the host's AddHelper: "
                        + e.getMessage()).asRuntimeException());
            } finally {
                if (helper != null) {
                    helper.shutdownNow();
                }
            }
        }

        @Override
        public void get(CounterGetRequest request, StreamObserver<CounterGetResponse> response) {
            response.onNext(CounterGetResponse.newBuilder().setValue(values.getOrDefault(request.getKey(), 0L)).build());
            response.onCompleted();
        }
    }
}
