package dev.outpost.manager.metrics;

import dev.outpost.manager.CallListener;
import dev.outpost.manager.PluginEvent;
import dev.outpost.manager.PluginListener;
import dev.outpost.manager.PluginState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Micrometer metrics of a {@link dev.outpost.manager.PluginManager}, registered as its listener and call
 * listener ({@code builder.listener(metrics).callListener(metrics)}):
 * <ul>
 *   <li>{@code outpost.plugin.state} (gauge, tags {@code id}, {@code state}): 1 for the plugin's current
 *       state, 0 for the others;</li>
 *   <li>{@code outpost.plugin.crashes}, {@code outpost.plugin.unreachable} (a remote plugin lost) and
 *   {@code outpost.plugin.restarts} (counters, tag {@code id});</li>
 *   <li>{@code outpost.plugin.calls} (timer, tags {@code id}, {@code method}, {@code outcome} =
 *       {@code success} or {@code error}): calls through stable handles, their latency and errors.</li>
 * </ul>
 * Micrometer is an optional dependency of outpost-manager: a host that uses this class brings it.
 */
public final class PluginMetrics implements PluginListener, CallListener {

    private final MeterRegistry registry;
    private final Map<String, PluginState> states = new ConcurrentHashMap<>();
    private final Map<String, Boolean> gauged = new ConcurrentHashMap<>();

    public PluginMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onEvent(PluginEvent event) {
        String id = event.id();
        states.put(id, event.to());
        if (gauged.putIfAbsent(id, true) == null) {
            for (PluginState state : PluginState.values()) {
                Gauge.builder("outpost.plugin.state", states, current -> current.get(id) == state ? 1 : 0)
                        .description("1 for the plugin's current state, 0 for the others")
                        .tags("id", id, "state", state.name())
                        .register(registry);
            }
        }
        if (event.to() == PluginState.CRASHED) {
            counter("outpost.plugin.crashes", id).increment();
        } else if (event.to() == PluginState.UNREACHABLE) {
            counter("outpost.plugin.unreachable", id).increment();
        } else if (event.to() == PluginState.RESTARTING) {
            counter("outpost.plugin.restarts", id).increment();
        }
    }

    @Override
    public void onCall(String pluginId, String method, Duration duration, Throwable failure) {
        Timer.builder("outpost.plugin.calls")
                .description("calls to a plugin through stable handles")
                .tags("id", pluginId, "method", method, "outcome", failure == null ? "success" : "error")
                .register(registry)
                .record(duration);
    }

    private Counter counter(String name, String id) {
        return Counter.builder(name).tags("id", id).register(registry);
    }
}
