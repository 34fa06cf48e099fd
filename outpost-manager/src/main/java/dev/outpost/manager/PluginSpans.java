package dev.outpost.manager;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Turns the manager's events into spans: {@code outpost.plugin.start} from STARTING to where it led,
 * {@code outpost.plugin.restart} from a crash's RESTARTING to the plugin running again (its starts are
 * its children), and {@code outpost.plugin.crash} and {@code outpost.plugin.reload} at the moment they
 * happen. A listener, so it needs nothing of the manager's internals; the only class of the manager that
 * names OpenTelemetry's types, reached only when they are on the class path.
 *
 * <p>Events come one at a time, in order, on the manager's event thread: the open spans need no lock.
 */
final class PluginSpans implements PluginListener {

    static final AttributeKey<String> PLUGIN_ID = AttributeKey.stringKey("outpost.plugin.id");
    static final AttributeKey<String> PLUGIN_VERSION = AttributeKey.stringKey("outpost.plugin.version");
    static final AttributeKey<Long> PLUGIN_PID = AttributeKey.longKey("outpost.plugin.pid");
    static final AttributeKey<Long> PLUGIN_RESTARTS = AttributeKey.longKey("outpost.plugin.restarts");
    static final AttributeKey<String> PLUGIN_STATE = AttributeKey.stringKey("outpost.plugin.state");
    static final AttributeKey<String> PLUGIN_REASON = AttributeKey.stringKey("outpost.plugin.reason");

    private final Supplier<OpenTelemetry> source;
    /** The start under way of each plugin, by id; ended by the event that leaves STARTING. */
    private final Map<String, Span> starts = new HashMap<>();
    /** The restart under way of each plugin, by id; ended once it runs again or is given up on. */
    private final Map<String, Span> restarts = new HashMap<>();

    private PluginSpans(Supplier<OpenTelemetry> source) {
        this.source = source;
    }

    /** Spans of {@code openTelemetry} (an {@code OpenTelemetry}), or of the global one when it is null. */
    static PluginListener of(Object openTelemetry) {
        if (openTelemetry == null) {
            return new PluginSpans(GlobalOpenTelemetry::getOrNoop);
        }
        OpenTelemetry instance = (OpenTelemetry) openTelemetry;
        return new PluginSpans(() -> instance);
    }

    @Override
    public void onEvent(PluginEvent event) {
        Tracer tracer = source.get().getTracer("dev.outpost.manager");
        String id = event.id();
        if (event.from() == PluginState.STARTING) {
            end(starts.remove(id), event, event.to() == PluginState.RUNNING ? StatusCode.OK
                    : event.to() == PluginState.STOPPING ? StatusCode.UNSET : StatusCode.ERROR);
        }
        switch (event.to()) {
            case STARTING -> {
                Span restart = restarts.get(id);
                Context parent = restart != null ? Context.root().with(restart) : Context.root();
                starts.put(id, span(tracer, "outpost.plugin.start", event).setParent(parent).startSpan());
            }
            case RUNNING -> {
                end(restarts.remove(id), event, StatusCode.OK);
                if (event.from() == PluginState.RUNNING) {
                    end(span(tracer, "outpost.plugin.reload", event).startSpan(), event, StatusCode.OK);
                }
            }
            case CRASHED -> end(span(tracer, "outpost.plugin.crash", event).startSpan(), event, StatusCode.ERROR);
            case UNREACHABLE -> end(span(tracer, "outpost.plugin.unreachable", event).startSpan(), event,
                    StatusCode.ERROR);
            case RESTARTING -> {
                end(restarts.remove(id), event, StatusCode.ERROR);
                restarts.put(id, span(tracer, "outpost.plugin.restart", event).startSpan());
            }
            case FAILED -> end(restarts.remove(id), event, StatusCode.ERROR);
            case STOPPED, DISABLED, LOADING -> end(restarts.remove(id), event, StatusCode.UNSET);
            default -> {
            }
        }
    }

    private static SpanBuilder span(Tracer tracer, String name, PluginEvent event) {
        return tracer.spanBuilder(name).setNoParent().setStartTimestamp(event.at())
                .setAttribute(PLUGIN_ID, event.id());
    }

    /** Ends {@code span}, if there is one, with what {@code event} tells. */
    private static void end(Span span, PluginEvent event, StatusCode status) {
        if (span == null) {
            return;
        }
        PluginInfo plugin = event.plugin();
        span.setAttribute(PLUGIN_STATE, event.to().name());
        span.setAttribute(PLUGIN_RESTARTS, (long) plugin.restarts());
        plugin.pid().ifPresent(pid -> span.setAttribute(PLUGIN_PID, pid));
        plugin.manifest().ifPresent(manifest -> span.setAttribute(PLUGIN_VERSION, manifest.version()));
        if (!event.reason().isEmpty()) {
            span.setAttribute(PLUGIN_REASON, event.reason());
        }
        if (status == StatusCode.ERROR) {
            span.setStatus(StatusCode.ERROR, event.to() + (event.reason().isEmpty() ? "" : ": " + event.reason()));
        } else if (status == StatusCode.OK) {
            span.setStatus(StatusCode.OK);
        }
        span.end(event.at());
    }
}
