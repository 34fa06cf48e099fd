package dev.outpost.interop;

import dev.outpost.host.PluginClient;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * For {@code java-kv-host --automtls}: checks, from the TLS session gRPC reports for each call, that the
 * connection really is mutual TLS with the plugin: both sides presented a certificate, and the plugin's
 * is the one it announced. Client calls to the plugin that succeeded (a call the host makes fail on
 * purpose, past its deadline or into a crash, may have no session to show) and the plugin's calls to the
 * host's broker servers count.
 */
final class TlsCheck implements ClientInterceptor {
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
                        if (status.isOk()) {
                            clientCalls.incrementAndGet();
                            check("call " + method.getBareMethodName(), call.getAttributes(), true);
                        }
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
        } catch (CertificateEncodingException e) {
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
                + " callbacks" : "") + " over mutual TLS (" + String.join("/", new TreeSet<>(protocols))
                + "), plugin certificate " + pluginCert.getSubjectX500Principal().getName() + " serial "
                + pluginCert.getSerialNumber().toString(16) + " pinned";
    }
}
