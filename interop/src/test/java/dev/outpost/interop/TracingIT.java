package dev.outpost.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.grpc.GrpcPlugin;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.interop.proto.AddHelperGrpc;
import dev.outpost.interop.proto.CounterGetRequest;
import dev.outpost.interop.proto.CounterGrpc;
import dev.outpost.interop.proto.CounterPutRequest;
import dev.outpost.interop.proto.GetRequest;
import dev.outpost.interop.proto.KVGrpc;
import dev.outpost.interop.proto.SumRequest;
import dev.outpost.interop.proto.SumResponse;
import dev.outpost.HandshakeConfig;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Java host's trace context, read by OpenTelemetry Go: {@code go-traced-plugin} continues the trace
 * with OpenTelemetry Go's W3C TraceContext propagator and SDK, as a plugin instrumented with otelgrpc
 * does (otelgrpc itself is not packaged for Debian), and its callback to the host continues it there.
 */
@ExtendWith(LeakCheck.class)
class TracingIT {

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build();

    @BeforeAll
    static void buildPeers() throws Exception {
        Peers.build();
    }

    @AfterEach
    void closeSdk() {
        sdk.close();
    }

    private PluginClient start() {
        return PluginClient.start(ClientConfig.builder().name("go-traced")
                .handshake(HandshakeConfig.of(1, "BASIC_PLUGIN", "hello"))
                .command(Peers.goTracedPlugin())
                .plugin("kv", GrpcPlugin.client(KVGrpc::newBlockingStub))
                .plugin("counter", GrpcPlugin.client(CounterGrpc::newBlockingStub))
                .openTelemetry(sdk).build());
    }

    private SpanData span(SpanKind kind, String name) {
        List<SpanData> found = exporter.getFinishedSpanItems().stream()
                .filter(span -> span.getKind() == kind && span.getName().equals(name)).toList();
        assertThat(found).as(kind + " " + name + " in " + exporter.getFinishedSpanItems()).hasSize(1);
        return found.get(0);
    }

    @Test
    void aGoPluginContinuesTheHostsTrace() {
        String value;
        Span request = sdk.getTracer("test").spanBuilder("request").startSpan();
        try (PluginClient plugin = start(); Scope ignored = request.makeCurrent()) {
            value = plugin.dispense("kv", KVGrpc.KVBlockingStub.class)
                    .get(GetRequest.newBuilder().setKey("k").build()).getValue().toString(StandardCharsets.UTF_8);
        } finally {
            request.end();
        }
        SpanData call = span(SpanKind.CLIENT, "proto.KV/Get");
        assertThat(call.getTraceId()).isEqualTo(request.getSpanContext().getTraceId());
        String[] seen = value.split("\\|");
        assertThat(seen[0]).as("the traceparent the plugin received")
                .isEqualTo("00-" + call.getTraceId() + "-" + call.getSpanId() + "-01");
        String[] served = seen[1].split("/");
        assertThat(served[0]).as("the trace of the Go plugin's span").isEqualTo(call.getTraceId());
        assertThat(served[2]).as("its parent").isEqualTo(call.getSpanId());
        assertThat(served[1]).as("its own id").hasSize(16).isNotEqualTo(call.getSpanId());
    }

    @Test
    void aGoPluginsCallbackContinuesTheTraceInTheHost() throws Exception {
        long value;
        try (PluginClient plugin = start()) {
            int id = plugin.broker().nextId();
            try (AutoCloseable helper = plugin.broker().acceptAndServe(id, List.of(new AddHelperGrpc.AddHelperImplBase() {
                @Override
                public void sum(SumRequest request, StreamObserver<SumResponse> response) {
                    response.onNext(SumResponse.newBuilder().setR(request.getA() + request.getB()).build());
                    response.onCompleted();
                }
            }.bindService()))) {
                CounterGrpc.CounterBlockingStub counter = plugin.dispense("counter", CounterGrpc.CounterBlockingStub.class);
                counter.put(CounterPutRequest.newBuilder().setAddServer(id).setKey("c").setValue(5).build());
                value = counter.get(CounterGetRequest.newBuilder().setKey("c").build()).getValue();
            }
        }
        assertThat(value).isEqualTo(5);
        SpanData put = span(SpanKind.CLIENT, "proto.Counter/Put");
        SpanData sum = span(SpanKind.SERVER, "proto.AddHelper/Sum");
        assertThat(sum.getTraceId()).as("the callback's trace").isEqualTo(put.getTraceId());
        // Its parent is the Go plugin's client span, a child of the plugin's server span: no span of the host's.
        assertThat(sum.getParentSpanContext().isRemote()).isTrue();
        assertThat(sum.getParentSpanId()).isNotEqualTo(put.getSpanId());
    }
}
