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
 * A Java host for go-plugin's KV example: {@code java-kv-host [--counter] [--automtls] -- CMD [ARGS…]}.
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

    private static final String USAGE = "usage: java-kv-host [--counter] [--automtls] -- CMD [ARGS...]";

    static int run(String[] args, PrintStream out, PrintStream err) {
        boolean counter = false;
        boolean autoMtls = false;
        List<String> command = new ArrayList<>();
        int i = 0;
        for (; i < args.length && !args[i].equals("--"); i++) {
            switch (args[i]) {
                case "--counter" -> counter = true;
                case "--automtls" -> autoMtls = true;
                default -> {
                    err.println("java-kv-host: unknown option " + args[i]);
                    err.println(USAGE);
                    return 2;
                }
            }
        }
        for (i++; i < args.length; i++) {
            command.add(args[i]);
        }
        if (command.isEmpty()) {
            err.println(USAGE);
            return 2;
        }
        ClientConfig config = ClientConfig.builder()
                .handshake(Interop.HANDSHAKE)
                .command(command)
                .plugin("kv", GrpcPlugin.client(KVGrpc::newBlockingStub))
                .plugin("counter", GrpcPlugin.client(CounterGrpc::newBlockingStub))
                .autoMtls(autoMtls)
                .build();
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
}
