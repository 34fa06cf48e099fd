package dev.outpost.tracing;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;

/** One side's OpenTelemetry SDK, whose finished spans stay in memory for the test to read. */
final class TestTelemetry implements AutoCloseable {

    final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    final OpenTelemetrySdk sdk;

    /** @param w3c whether the SDK has the W3C propagator; without one, Outpost still sends W3C context */
    TestTelemetry(boolean w3c) {
        var builder = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build());
        if (w3c) {
            builder.setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()));
        }
        this.sdk = builder.build();
    }

    List<SpanData> spans() {
        return exporter.getFinishedSpanItems();
    }

    /** The one finished span of {@code kind} named {@code name}. */
    SpanData span(SpanKind kind, String name) {
        List<SpanData> found = spans().stream().filter(s -> s.getKind() == kind && s.getName().equals(name)).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind + " span " + name + ", got " + spans());
        }
        return found.get(0);
    }

    @Override
    public void close() {
        sdk.close();
    }
}
