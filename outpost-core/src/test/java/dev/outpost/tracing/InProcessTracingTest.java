package dev.outpost.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.PluginCallException;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Traced;
import dev.outpost.fixtures.TracedPlugin;
import dev.outpost.grpc.GrpcPlugin;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.inprocess.InProcess;
import dev.outpost.plugin.ServeConfig;
import dev.outpost.internal.wire.proto.ConnInfo;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Host and plugin in this JVM, each with an SDK of its own, so that both sides' spans can be read: the
 * trace goes host → plugin → host, in both modes, over separate and multiplexed connections.
 */
@ExtendWith(LeakCheck.class)
class InProcessTracingTest {

    private static final String SPAN = Traced.class.getName() + "/span";
    private static final String CALL_BACK = Traced.class.getName() + "/callBack";
    private static final String CALLBACK = Traced.Callback.class.getName() + "/call";
    private static final String ECHO = "outpost.test.Echo/Echo";
    private static final MethodDescriptor<ConnInfo, ConnInfo> ECHO_METHOD = MethodDescriptor.<ConnInfo, ConnInfo>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(ECHO)
            .setRequestMarshaller(ProtoUtils.marshaller(ConnInfo.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(ConnInfo.getDefaultInstance())).build();

    private final TestTelemetry host = new TestTelemetry(false);
    private final TestTelemetry plugin = new TestTelemetry(true);
    private final AtomicReference<String> traceparent = new AtomicReference<>();

    @AfterEach
    void close() {
        host.close();
        plugin.close();
    }

    private PluginClient start(boolean multiplexed, OpenTelemetry hostTelemetry) {
        ClientConfig config = ClientConfig.builder().name("traced").handshake(TracedPlugin.HANDSHAKE)
                .plugin("traced", Traced.class)
                .plugin("echo", GrpcPlugin.client((Channel channel) -> (UnaryOperator<ConnInfo>)
                        request -> ClientCalls.blockingUnaryCall(channel, ECHO_METHOD, io.grpc.CallOptions.DEFAULT,
                                request)))
                .multiplexBroker(multiplexed).openTelemetry(hostTelemetry).build();
        ServeConfig serve = ServeConfig.builder().handshake(TracedPlugin.HANDSHAKE)
                .plugin("traced", Traced.class, new TracedPlugin())
                .plugin("echo", (dev.outpost.grpc.GrpcServerPlugin) broker -> List.of(echo()))
                .openTelemetry(plugin.sdk).build();
        return InProcess.start(config, serve);
    }

    /** A protobuf service that answers with the plugin's span and keeps the traceparent it was sent. */
    private ServerServiceDefinition echo() {
        ServerServiceDefinition service = ServerServiceDefinition.builder("outpost.test.Echo")
                .addMethod(ECHO_METHOD, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(ConnInfo.newBuilder().setAddress(dev.outpost.fixtures.SpanIds.current()).build());
                    response.onCompleted();
                })).build();
        ServerInterceptor keep = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                traceparent.set(headers.get(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER)));
                return next.startCall(call, headers);
            }
        };
        return ServerInterceptors.intercept(service, keep);
    }

    @ParameterizedTest(name = "multiplexed={0}")
    @ValueSource(booleans = {false, true})
    void anInterfaceCallContinuesTheHostsTraceInThePlugin(boolean multiplexed) {
        String answer;
        Span request = host.sdk.getTracer("test").spanBuilder("request").startSpan();
        try (PluginClient client = start(multiplexed, host.sdk); Scope ignored = request.makeCurrent()) {
            answer = client.dispense("traced", Traced.class).span();
        } finally {
            request.end();
        }
        SpanData call = host.span(SpanKind.CLIENT, SPAN);
        assertThat(call.getTraceId()).isEqualTo(request.getSpanContext().getTraceId());
        assertThat(call.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
        assertThat(call.getAttributes().get(AttributeKey.stringKey("rpc.system"))).isEqualTo("grpc");
        assertThat(call.getAttributes().get(AttributeKey.stringKey("rpc.service"))).isEqualTo(Traced.class.getName());
        assertThat(call.getAttributes().get(AttributeKey.stringKey("rpc.method"))).isEqualTo("span");
        assertThat(call.getAttributes().get(AttributeKey.longKey("rpc.grpc.status_code"))).isZero();

        SpanData served = plugin.span(SpanKind.SERVER, SPAN);
        assertThat(served.getTraceId()).isEqualTo(call.getTraceId());
        assertThat(served.getParentSpanId()).isEqualTo(call.getSpanId());
        assertThat(served.getAttributes().get(AttributeKey.longKey("rpc.grpc.status_code"))).isZero();
        // The implementation ran with the server span current.
        assertThat(answer).isEqualTo(served.getTraceId() + "/" + served.getSpanId() + "/" + call.getSpanId());
    }

    @ParameterizedTest(name = "multiplexed={0}")
    @ValueSource(booleans = {false, true})
    void aCallbackToTheHostContinuesTheSameTrace(boolean multiplexed) {
        String answer;
        try (PluginClient client = start(multiplexed, host.sdk)) {
            answer = client.dispense("traced", Traced.class).callBack(dev.outpost.fixtures.SpanIds::current);
        }
        SpanData call = host.span(SpanKind.CLIENT, CALL_BACK);
        SpanData served = plugin.span(SpanKind.SERVER, CALL_BACK);
        SpanData callback = plugin.span(SpanKind.CLIENT, CALLBACK);
        SpanData hostServed = host.span(SpanKind.SERVER, CALLBACK);
        assertThat(List.of(served, callback, hostServed)).allSatisfy(span ->
                assertThat(span.getTraceId()).isEqualTo(call.getTraceId()));
        assertThat(call.getParentSpanContext().isValid()).as("a root span: nothing was current").isFalse();
        assertThat(served.getParentSpanId()).isEqualTo(call.getSpanId());
        assertThat(callback.getParentSpanId()).isEqualTo(served.getSpanId());
        assertThat(hostServed.getParentSpanId()).isEqualTo(callback.getSpanId());
        assertThat(answer).isEqualTo(served.getTraceId() + "/" + served.getSpanId() + "/" + call.getSpanId() + " "
                + hostServed.getTraceId() + "/" + hostServed.getSpanId() + "/" + callback.getSpanId());
    }

    @Test
    void aProtobufCallSendsW3cTraceContextInItsMetadata() {
        ConnInfo answer;
        try (PluginClient client = start(false, host.sdk)) {
            @SuppressWarnings("unchecked")
            UnaryOperator<ConnInfo> echo = client.dispense("echo", UnaryOperator.class);
            answer = echo.apply(ConnInfo.getDefaultInstance());
        }
        SpanData call = host.span(SpanKind.CLIENT, ECHO);
        SpanData served = plugin.span(SpanKind.SERVER, ECHO);
        assertThat(call.getAttributes().get(AttributeKey.stringKey("rpc.service"))).isEqualTo("outpost.test.Echo");
        assertThat(call.getAttributes().get(AttributeKey.stringKey("rpc.method"))).isEqualTo("Echo");
        // The host's SDK has no propagator: Outpost sends W3C trace context all the same.
        // version-traceId-parentId-flags, flags as Trace Context Level 1 has them (sampled) though the SDK's span
        // also has Level 2's random flag: OpenTelemetry Go (until 2026) ignores a traceparent with flags 03.
        assertThat(call.getSpanContext().getTraceFlags().asHex()).isEqualTo("03");
        assertThat(traceparent.get()).isEqualTo("00-" + call.getTraceId() + "-" + call.getSpanId() + "-01");
        assertThat(served.getParentSpanId()).isEqualTo(call.getSpanId());
        assertThat(answer.getAddress()).startsWith(call.getTraceId() + "/" + served.getSpanId());
    }

    @Test
    void aFailedCallIsAnErrorSpanWithItsStatusCode() {
        try (PluginClient client = start(false, host.sdk)) {
            Traced traced = client.dispense("traced", Traced.class);
            assertThatThrownBy(() -> traced.fail("no luck")).isInstanceOf(PluginCallException.class);
        }
        String name = Traced.class.getName() + "/fail";
        SpanData call = host.span(SpanKind.CLIENT, name);
        SpanData served = plugin.span(SpanKind.SERVER, name);
        long code = call.getAttributes().get(AttributeKey.longKey("rpc.grpc.status_code"));
        assertThat(code).isNotZero();
        assertThat(served.getAttributes().get(AttributeKey.longKey("rpc.grpc.status_code"))).isEqualTo(code);
        assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(call.getStatus().getDescription()).contains("no luck");
    }

    @Test
    void thePluginsPlumbingIsNotTraced() {
        try (PluginClient client = start(false, host.sdk)) {
            client.ping();
            client.dispense("traced", Traced.class).span();
        }
        // Health checks, the broker's and stdio's streams and the shutdown call make no spans.
        assertThat(host.spans()).extracting(SpanData::getName).containsExactly(SPAN);
        assertThat(plugin.spans()).extracting(SpanData::getName).containsExactly(SPAN);
    }

    @Test
    void aNoopOpenTelemetryTurnsTracingOff() {
        String answer;
        Span request = host.sdk.getTracer("test").spanBuilder("request").startSpan();
        try (PluginClient client = start(false, OpenTelemetry.noop()); Scope ignored = request.makeCurrent()) {
            answer = client.dispense("traced", Traced.class).span();
            @SuppressWarnings("unchecked")
            UnaryOperator<ConnInfo> echo = client.dispense("echo", UnaryOperator.class);
            echo.apply(ConnInfo.getDefaultInstance());
        } finally {
            request.end();
        }
        assertThat(host.spans()).extracting(SpanData::getName).containsExactly("request");
        assertThat(traceparent.get()).isNull();
        // The plugin traces on its own: its span starts a trace of its own.
        SpanData served = plugin.span(SpanKind.SERVER, SPAN);
        assertThat(served.getTraceId()).isNotEqualTo(request.getSpanContext().getTraceId());
        assertThat(served.getParentSpanContext().isValid()).isFalse();
        assertThat(answer).startsWith(served.getTraceId());
    }
}
