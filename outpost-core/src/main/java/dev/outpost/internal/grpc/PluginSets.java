package dev.outpost.internal.grpc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Plugin types by application protocol version, as host and plugin configurations both keep them:
 * for each version, the plugin types by name.
 */
public final class PluginSets {

    private PluginSets() {
    }

    /** Adds {@code plugin} as {@code name} in {@code version}; a name can be taken once per version. */
    public static <P> void add(Map<Integer, Map<String, P>> sets, int version, String name, P plugin) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(plugin, "plugin");
        if (name.isBlank()) {
            throw new IllegalArgumentException("plugin name must not be blank");
        }
        if (version < 1) {
            throw new IllegalArgumentException("protocol version must be at least 1, got " + version);
        }
        Map<String, P> set = sets.computeIfAbsent(version, v -> new LinkedHashMap<>());
        if (set.putIfAbsent(name, plugin) != null) {
            throw new IllegalArgumentException("plugin \"" + name + "\" is already registered for version " + version);
        }
    }

    /** An unmodifiable copy, by ascending version; {@code whenEmpty} is the message when there is none. */
    public static <P> Map<Integer, Map<String, P>> freeze(Map<Integer, Map<String, P>> sets, String whenEmpty) {
        Map<Integer, Map<String, P>> copy = new TreeMap<>();
        sets.forEach((version, set) -> copy.put(version, Collections.unmodifiableMap(new LinkedHashMap<>(set))));
        if (copy.isEmpty()) {
            throw new IllegalArgumentException(whenEmpty);
        }
        return Collections.unmodifiableMap(copy);
    }
}
