package dev.outpost.manager;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.LeakCheck;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The manager's events as spans: starts, crashes, restarts and reloads; and its plugins' calls traced. */
@ExtendWith(LeakCheck.class)
class PluginSpansTest extends ManagerTestSupport {

    private static final AttributeKey<String> ID = AttributeKey.stringKey("outpost.plugin.id");
    private static final AttributeKey<Long> PID = AttributeKey.longKey("outpost.plugin.pid");

    @TempDir
    Path classData;

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build();

    @AfterEach
    void closeSdk() {
        sdk.close();
    }

    private List<SpanData> spans(String name) {
        return exporter.getFinishedSpanItems().stream().filter(span -> span.getName().equals(name)).toList();
    }

    @Test
    void aCrashAndItsRestartAreSpansAndCallsAreTraced() throws Exception {
        PluginDirs.script(dir, "sensor");
        started(PluginManager.builder().directory(dir).classDataSharing(classData).handshake(SensorPlugin.HANDSHAKE)
                .plugin("sensor", Sensor.class).openTelemetry(sdk)
                .restartPolicy(RestartPolicy.builder().initialDelay(Duration.ofMillis(50))
                        .maxDelay(Duration.ofMillis(200)).jitter(0.1).maxRestarts(20).window(Duration.ofMinutes(1))
                        .build()));
        long first = info("sensor").pid().orElseThrow();
        manager.dispense("sensor", "sensor", Sensor.class).read();
        ProcessHandle process = ProcessHandle.of(first).orElseThrow();
        process.destroyForcibly();
        process.onExit().get(10, TimeUnit.SECONDS);
        events.await("sensor", PluginState.RUNNING, 2);
        long second = info("sensor").pid().orElseThrow();

        List<SpanData> starts = spans("outpost.plugin.start");
        assertThat(starts).hasSize(2).allSatisfy(span -> {
            assertThat(span.getAttributes().get(ID)).isEqualTo("sensor");
            assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.OK);
        });
        assertThat(starts.get(0).getAttributes().get(PID)).isEqualTo(first);
        assertThat(starts.get(0).getParentSpanContext().isValid()).isFalse();
        assertThat(starts.get(1).getAttributes().get(PID)).isEqualTo(second);

        SpanData crash = spans("outpost.plugin.crash").get(0);
        assertThat(crash.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(crash.getAttributes().get(AttributeKey.stringKey("outpost.plugin.reason")))
                .isEqualTo("process was killed by signal 9 (SIGKILL)");

        SpanData restart = spans("outpost.plugin.restart").get(0);
        assertThat(restart.getStatus().getStatusCode()).isEqualTo(StatusCode.OK);
        assertThat(restart.getAttributes().get(AttributeKey.longKey("outpost.plugin.restarts"))).isEqualTo(1);
        // The restart spans from the back-off to the plugin running again; the new start is its child.
        assertThat(starts.get(1).getParentSpanId()).isEqualTo(restart.getSpanId());
        assertThat(starts.get(1).getTraceId()).isEqualTo(restart.getTraceId());
        assertThat(restart.getStartEpochNanos()).isGreaterThanOrEqualTo(crash.getEndEpochNanos());
        assertThat(restart.getEndEpochNanos()).isEqualTo(starts.get(1).getEndEpochNanos());

        // A call through the manager's handle has its client span.
        assertThat(exporter.getFinishedSpanItems()).filteredOn(span -> span.getKind() == SpanKind.CLIENT)
                .extracting(SpanData::getName).containsExactly(Sensor.class.getName() + "/read");
    }

    @Test
    void aReloadIsASpanAndAStartThatFailsIsAnError() {
        PluginListener spans = PluginSpans.of(sdk);
        Instant at = Instant.parse("2026-12-01T00:00:00Z");
        spans.onEvent(event(PluginState.LOADING, PluginState.STARTING, "", at));
        spans.onEvent(event(PluginState.STARTING, PluginState.FAILED, "wrong magic cookie", at.plusMillis(30)));
        spans.onEvent(event(PluginState.FAILED, PluginState.STARTING, "", at.plusMillis(40)));
        spans.onEvent(event(PluginState.STARTING, PluginState.RUNNING, "", at.plusMillis(50)));
        spans.onEvent(event(PluginState.RUNNING, PluginState.RUNNING, "reloaded v0.1.0 -> v0.2.0", at.plusMillis(60)));

        List<SpanData> starts = spans("outpost.plugin.start");
        assertThat(starts).extracting(span -> span.getStatus().getStatusCode())
                .containsExactly(StatusCode.ERROR, StatusCode.OK);
        assertThat(starts.get(0).getStatus().getDescription()).isEqualTo("FAILED: wrong magic cookie");
        assertThat(starts.get(0).getEndEpochNanos() - starts.get(0).getStartEpochNanos())
                .isEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
        SpanData reload = spans("outpost.plugin.reload").get(0);
        assertThat(reload.getAttributes().get(AttributeKey.stringKey("outpost.plugin.reason")))
                .isEqualTo("reloaded v0.1.0 -> v0.2.0");
        assertThat(spans("outpost.plugin.crash")).isEmpty();
        assertThat(spans("outpost.plugin.restart")).isEmpty();
    }

    private static PluginEvent event(PluginState from, PluginState to, String reason, Instant at) {
        PluginInfo info = new PluginInfo("p", Path.of("p"), Optional.empty(), to, OptionalLong.empty(),
                Optional.empty(), 0, Optional.empty(), OptionalInt.empty(), List.of(), Optional.empty());
        return new PluginEvent("p", from, to, reason, at, info);
    }
}
