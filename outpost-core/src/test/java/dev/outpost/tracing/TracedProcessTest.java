package dev.outpost.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.SpanIds;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.fixtures.Traced;
import dev.outpost.fixtures.TracedPlugin;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Java host and a Java plugin in its own process, which traces with the global OpenTelemetry it set
 * and answers with the ids of the span it served the call in: the plugin's spans continue the host's.
 */
@ExtendWith(LeakCheck.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracedProcessTest {

    private final TestTelemetry host = new TestTelemetry(true);
    private PluginClient plugin;
    private Traced traced;

    @BeforeAll
    void start() {
        plugin = PluginClient.start(ClientConfig.builder().name("traced").handshake(TracedPlugin.HANDSHAKE)
                .command(TestJvm.of(TracedPlugin.class)).plugin("traced", Traced.class)
                .openTelemetry(host.sdk).build());
        traced = plugin.dispense("traced", Traced.class);
    }

    @AfterAll
    void stop() {
        plugin.close();
        host.close();
    }

    @Test
    void thePluginsServerSpanIsAChildOfTheHostsClientSpan() {
        host.exporter.reset();
        Span request = host.sdk.getTracer("test").spanBuilder("request").startSpan();
        String answer;
        try (Scope ignored = request.makeCurrent()) {
            answer = traced.span();
        } finally {
            request.end();
        }
        SpanData call = host.span(SpanKind.CLIENT, Traced.class.getName() + "/span");
        assertThat(call.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
        String[] served = answer.split("/");
        assertThat(served[0]).as("the plugin's trace id").isEqualTo(request.getSpanContext().getTraceId());
        assertThat(served[2]).as("the parent of the plugin's span").isEqualTo(call.getSpanId());
        assertThat(served[1]).as("the plugin's own span").isNotEqualTo(call.getSpanId()).hasSize(16);
    }

    @Test
    void aCallbackFromThePluginContinuesTheTraceInTheHost() {
        host.exporter.reset();
        String answer = traced.callBack(SpanIds::current);
        SpanData call = host.span(SpanKind.CLIENT, Traced.class.getName() + "/callBack");
        SpanData callback = host.span(SpanKind.SERVER, Traced.Callback.class.getName() + "/call");
        String[] parts = answer.split(" ");
        String[] served = parts[0].split("/");
        assertThat(served[0]).isEqualTo(call.getTraceId());
        assertThat(served[2]).isEqualTo(call.getSpanId());
        // The host's callback span: same trace, its parent the plugin's client span (a child of the plugin's server span).
        assertThat(callback.getTraceId()).isEqualTo(call.getTraceId());
        assertThat(callback.getParentSpanId()).isNotIn(call.getSpanId(), served[1]).hasSize(16);
        assertThat(parts[1]).isEqualTo(callback.getTraceId() + "/" + callback.getSpanId() + "/"
                + callback.getParentSpanId());
    }
}
