package dev.outpost.interop.soak;

import dev.outpost.manager.PluginEvent;
import dev.outpost.manager.PluginListener;
import dev.outpost.manager.PluginState;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts the manager's state changes: how often the plugins crashed, restarted, failed, were reloaded. */
final class EventTally implements PluginListener {

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    @Override
    public void onEvent(PluginEvent event) {
        String what = event.from() == PluginState.RUNNING && event.to() == PluginState.RUNNING
                ? "reloaded" : event.to().name().toLowerCase(java.util.Locale.ROOT);
        counts.computeIfAbsent(what, k -> new LongAdder()).increment();
    }

    long count(String what) {
        LongAdder n = counts.get(what);
        return n == null ? 0 : n.sum();
    }

    /** Every kind of change with its count: {@code crashed}, {@code restarting}, {@code reloaded}, ... */
    Map<String, Long> counts() {
        Map<String, Long> result = new TreeMap<>();
        counts.forEach((what, n) -> result.put(what, n.sum()));
        return result;
    }
}
