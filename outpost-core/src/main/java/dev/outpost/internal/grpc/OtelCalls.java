package dev.outpost.internal.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Traces gRPC calls as Go's {@code otelgrpc} does, so that traces cross the host → plugin → host
 * boundary with go-plugin peers too: the trace context travels in the {@code traceparent} and {@code
 * tracestate} metadata keys (W3C Trace Context), each call gets a span named {@code package.Service/Method}
 * with the {@code rpc.*} attributes, a client span on the calling side and a server span, current while
 * the handler runs, on the serving side. The only class of Outpost's that names OpenTelemetry's types:
 * {@link CallTracing} reaches it only when they are on the class path.
 */
final class OtelCalls implements ClientInterceptor, ServerInterceptor {

    /** The instrumentation scope of Outpost's spans. */
    static final String SCOPE = "dev.outpost";

    static final String TRACEPARENT = "traceparent";

    static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
    static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
    static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
    static final AttributeKey<Long> RPC_GRPC_STATUS_CODE = AttributeKey.longKey("rpc.grpc.status_code");

    /** The codes that make a server span an error, as OpenTelemetry's conventions for gRPC servers say. */
    private static final Set<Status.Code> SERVER_ERRORS = EnumSet.of(Status.Code.UNKNOWN,
            Status.Code.DEADLINE_EXCEEDED, Status.Code.UNIMPLEMENTED, Status.Code.INTERNAL,
            Status.Code.UNAVAILABLE, Status.Code.DATA_LOSS);

    private static final TextMapSetter<Metadata> SETTER = (headers, key, value) -> {
        Metadata.Key<String> name = Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER);
        headers.removeAll(name);
        headers.put(name, key.equals(TRACEPARENT) ? levelOneFlags(value) : value);
    };

    /**
     * {@code traceparent} with only the sampled flag of its trace flags. OpenTelemetry's Java SDK sets
     * Trace Context Level 2's random flag too ({@code -03}); OpenTelemetry Go (until its releases of
     * 2026) ignores a version-00 {@code traceparent} whose flags are over 2, so a Go plugin instrumented
     * with otelgrpc would start a trace of its own. Level 1 tells a sender to clear the flags it does not know.
     */
    static String levelOneFlags(String traceparent) {
        // 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>
        if (traceparent.length() != 55 || !traceparent.startsWith("00-")) {
            return traceparent;
        }
        int flags = Character.digit(traceparent.charAt(54), 16);
        if (flags < 0 || traceparent.charAt(53) == '0' && flags <= 1) {
            return traceparent;
        }
        return traceparent.substring(0, 53) + ((flags & 1) == 1 ? "01" : "00");
    }

    private static final TextMapGetter<Metadata> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Metadata headers) {
            return headers.keys();
        }

        @Override
        public String get(Metadata headers, String key) {
            if (headers == null || key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                return null;
            }
            return headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
        }
    };

    private final Supplier<OpenTelemetry> source;
    /** What {@link #source} gave last, with its tracer: a global instance may be set after this was made. */
    private volatile Instrumentation last;

    private OtelCalls(Supplier<OpenTelemetry> source) {
        this.source = source;
    }

    static CallTracing global() {
        OtelCalls calls = new OtelCalls(GlobalOpenTelemetry::getOrNoop);
        return new CallTracing(calls, calls);
    }

    static CallTracing of(Object openTelemetry) {
        if (!(openTelemetry instanceof OpenTelemetry instance)) {
            throw new IllegalArgumentException("not an OpenTelemetry instance: " + openTelemetry.getClass().getName());
        }
        if (instance == OpenTelemetry.noop()) {
            return CallTracing.OFF;
        }
        OtelCalls calls = new OtelCalls(() -> instance);
        return new CallTracing(calls, calls);
    }

    /** The tracer and propagator of the current OpenTelemetry instance, or null when it is the no-op one. */
    private Instrumentation instrumentation() {
        OpenTelemetry current = source.get();
        if (current == OpenTelemetry.noop()) {
            return null;
        }
        Instrumentation known = last;
        if (known == null || known.openTelemetry() != current) {
            known = new Instrumentation(current);
            last = known;
        }
        return known;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        Instrumentation otel = instrumentation();
        ClientCall<Q, R> call = next.newCall(method, options);
        if (otel == null) {
            return call;
        }
        return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                Context parent = Context.current();
                Span span = otel.span(method, SpanKind.CLIENT, parent);
                Context context = parent.with(span);
                otel.propagator().inject(context, headers, SETTER);
                AtomicBoolean ended = new AtomicBoolean();
                try (Scope ignored = context.makeCurrent()) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            if (ended.compareAndSet(false, true)) {
                                end(span, status, status.getCode() != Status.Code.OK);
                            }
                            super.onClose(status, trailers);
                        }
                    }, headers);
                } catch (RuntimeException | Error e) {
                    if (ended.compareAndSet(false, true)) {
                        end(span, Status.fromThrowable(e), true);
                    }
                    throw e;
                }
            }
        };
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        Instrumentation otel = instrumentation();
        if (otel == null) {
            return next.startCall(call, headers);
        }
        Context parent = otel.propagator().extract(Context.root(), headers, GETTER);
        Span span = otel.span(call.getMethodDescriptor(), SpanKind.SERVER, parent);
        Context context = parent.with(span);
        AtomicBoolean ended = new AtomicBoolean();
        ServerCall<Q, R> traced = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                if (ended.compareAndSet(false, true)) {
                    end(span, status, SERVER_ERRORS.contains(status.getCode()));
                }
                super.close(status, trailers);
            }
        };
        ServerCall.Listener<Q> listener;
        try (Scope ignored = context.makeCurrent()) {
            listener = next.startCall(traced, headers);
        } catch (RuntimeException | Error e) {
            if (ended.compareAndSet(false, true)) {
                end(span, Status.fromThrowable(e), true);
            }
            throw e;
        }
        // The handler runs in these callbacks (a unary one in onHalfClose): the span is current in each,
        // so what the handler calls, callbacks to the host included, continues the trace.
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(Q message) {
                try (Scope ignored = context.makeCurrent()) {
                    super.onMessage(message);
                }
            }

            @Override
            public void onHalfClose() {
                try (Scope ignored = context.makeCurrent()) {
                    super.onHalfClose();
                }
            }

            @Override
            public void onCancel() {
                try (Scope ignored = context.makeCurrent()) {
                    super.onCancel();
                } finally {
                    if (ended.compareAndSet(false, true)) {
                        end(span, Status.CANCELLED.withDescription("cancelled by the caller"), false);
                    }
                }
            }

            @Override
            public void onComplete() {
                try (Scope ignored = context.makeCurrent()) {
                    super.onComplete();
                }
            }

            @Override
            public void onReady() {
                try (Scope ignored = context.makeCurrent()) {
                    super.onReady();
                }
            }
        };
    }

    private static void end(Span span, Status status, boolean error) {
        span.setAttribute(RPC_GRPC_STATUS_CODE, (long) status.getCode().value());
        if (error) {
            span.setStatus(StatusCode.ERROR, status.getCode() + (status.getDescription() == null ? ""
                    : ": " + status.getDescription()));
        }
        span.end();
    }

    /**
     * One OpenTelemetry instance's tracer and propagator. An instance without a propagator (an SDK built
     * without one) still sends W3C trace context: go-plugin peers instrumented with otelgrpc read that.
     */
    private record Instrumentation(OpenTelemetry openTelemetry, Tracer tracer, TextMapPropagator propagator) {
        Instrumentation(OpenTelemetry openTelemetry) {
            this(openTelemetry, openTelemetry.getTracer(SCOPE), propagator(openTelemetry));
        }

        private static TextMapPropagator propagator(OpenTelemetry openTelemetry) {
            TextMapPropagator configured = openTelemetry.getPropagators().getTextMapPropagator();
            return configured == TextMapPropagator.noop() ? W3CTraceContextPropagator.getInstance() : configured;
        }

        Span span(MethodDescriptor<?, ?> method, SpanKind kind, Context parent) {
            String service = method.getServiceName();
            String name = method.getFullMethodName();
            return tracer.spanBuilder(name).setParent(parent).setSpanKind(kind)
                    .setAttribute(RPC_SYSTEM, "grpc")
                    .setAttribute(RPC_SERVICE, service == null ? "" : service)
                    .setAttribute(RPC_METHOD, service == null ? name : name.substring(service.length() + 1))
                    .startSpan();
        }
    }
}
