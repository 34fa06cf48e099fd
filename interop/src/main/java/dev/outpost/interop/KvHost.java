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
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Java host for go-plugin's KV example: {@code java-kv-host [--counter] -- CMD [ARGS…]}. Launches
 * CMD as a plugin, exercises it, shuts it down, and prints as its last line {@code PASS <details>}
 * (exit 0) or {@code FAIL <reason>} (exit 1). Wrong usage exits 2.
 */
public final class KvHost {

    private KvHost() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        boolean counter = false;
        List<String> command = new ArrayList<>();
        int i = 0;
        for (; i < args.length && !args[i].equals("--"); i++) {
            switch (args[i]) {
                case "--counter" -> counter = true;
                default -> {
                    err.println("java-kv-host: unknown option " + args[i]);
                    err.println("usage: java-kv-host [--counter] -- CMD [ARGS...]");
                    return 2;
                }
            }
        }
        for (i++; i < args.length; i++) {
            command.add(args[i]);
        }
        if (command.isEmpty()) {
            err.println("usage: java-kv-host [--counter] -- CMD [ARGS...]");
            return 2;
        }
        ClientConfig config = ClientConfig.builder()
                .handshake(Interop.HANDSHAKE)
                .command(command)
                .plugin("kv", GrpcPlugin.client(KVGrpc::newBlockingStub))
                .plugin("counter", GrpcPlugin.client(CounterGrpc::newBlockingStub))
                .build();
        try (PluginClient plugin = PluginClient.start(config)) {
            String details = counter ? counter(plugin) : kv(plugin);
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

    private static String kv(PluginClient plugin) {
        KVGrpc.KVBlockingStub kv = plugin.dispense("kv", KVGrpc.KVBlockingStub.class);
        kv.put(PutRequest.newBuilder().setKey("hello").setValue(ByteString.copyFromUtf8("world")).build());
        String value = kv.get(GetRequest.newBuilder().setKey("hello").build()).getValue().toStringUtf8();
        if (!value.equals("world")) {
            throw new IllegalStateException("Get(\"hello\") returned \"" + value + "\", expected \"world\"");
        }
        return "kv: Put/Get hello=\"world\"";
    }

    private static String counter(PluginClient plugin) throws IllegalStateException {
        CounterGrpc.CounterBlockingStub counter = plugin.dispense("counter", CounterGrpc.CounterBlockingStub.class);
        AtomicInteger sums = new AtomicInteger();
        int id = plugin.broker().nextId();
        try (AutoCloseable server = plugin.broker().acceptAndServe(id, List.of(new AddHelperGrpc.AddHelperImplBase() {
            @Override
            public void sum(SumRequest request, StreamObserver<SumResponse> response) {
                sums.incrementAndGet();
                response.onNext(SumResponse.newBuilder().setR(request.getA() + request.getB()).build());
                response.onCompleted();
            }
        }.bindService()))) {
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
}
