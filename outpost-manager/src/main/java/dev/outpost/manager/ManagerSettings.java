package dev.outpost.manager;

import dev.outpost.internal.grpc.CallTracing;
import dev.outpost.grpc.GrpcClientPlugin;
import dev.outpost.internal.grpc.PluginSets;
import dev.outpost.host.ClientConfig;
import dev.outpost.HandshakeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A manager's configuration, copied from its {@link PluginManager.Builder} when it is built. The manager
 * and its plugins read this and nothing else, so that a builder changed or reused afterwards cannot
 * reach into a running manager. Immutable: every map and list is an unmodifiable copy. What each
 * value means is told on the builder's method of the same name.
 */
final class ManagerSettings {

    final Path directory;
    final HandshakeConfig handshake;
    /** Plugin types by ascending protocol version, then by name in the order they were added. */
    final Map<Integer, Map<String, GrpcClientPlugin<?>>> types;
    final RestartPolicy restartPolicy;
    final Duration healthCheckInterval;
    final int healthCheckFailures;
    final Duration healthCheckTimeout;
    final int hungCallLimit;
    final Duration unavailableWait;
    final Duration drainTimeout;
    final Duration startTimeout;
    /** Every plugin's client options that are not the manager's: applied before the manager's own. */
    final java.util.function.Consumer<ClientConfig.Builder> clientDefaults;
    final Duration callTimeout;
    final Duration closeTimeout;
    final int maxMessageSize;
    /** Overrides of {@link #maxMessageSize} by plugin id. */
    final Map<String, Integer> maxMessageSizes;
    final Duration settleTime;
    final boolean watch;
    final String hostVersion;
    final List<String> jvmOptions;
    /** Where jar plugins' class data archives go; null: no class data sharing. */
    final Path classDataCache;
    /** Where {@code .zip} plugins are unpacked. */
    final Path unpackDirectory;
    /** Whether a plugin whose manifest names its magic cookie is started with it instead of the host's. */
    final boolean manifestCookies;
    /** How to ask a plugin for its manifest; null: not asked. */
    final ManifestReader manifestReader;
    final int parallelStarts;
    /** Whether every plugin runs sandboxed, not only those whose manifest asks. */
    final boolean sandboxAll;
    /** The listeners given to the builder; the manager adds and removes its own from a copy. */
    final List<PluginListener> listeners;
    final List<CallListener> callListeners;
    final List<StartHook> startHooks;
    /** The {@code OpenTelemetry} given to the builder, or null for the global one. */
    final Object openTelemetry;
    /** Makes spans of the plugins' starts, crashes and restarts; null when tracing is off. */
    final PluginListener spans;

    /**
     * @throws NullPointerException     without a directory or a handshake
     * @throws IllegalArgumentException without a plugin type, or when the directory does not exist
     */
    ManagerSettings(PluginManager.Builder builder) {
        this.directory = Objects.requireNonNull(builder.directory, "directory is required");
        this.handshake = Objects.requireNonNull(builder.handshake, "handshake is required");
        this.types = PluginSets.freeze(builder.types, "register at least one plugin type");
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("plugins directory " + directory + " does not exist");
        }
        this.restartPolicy = builder.restartPolicy;
        this.healthCheckInterval = builder.healthCheckInterval;
        this.healthCheckFailures = builder.healthCheckFailures;
        this.healthCheckTimeout = builder.healthCheckTimeout;
        this.hungCallLimit = builder.hungCallLimit;
        this.unavailableWait = builder.unavailableWait;
        this.drainTimeout = builder.drainTimeout;
        this.startTimeout = builder.startTimeout;
        this.clientDefaults = builder.clientDefaults;
        this.callTimeout = builder.callTimeout;
        this.closeTimeout = builder.closeTimeout;
        this.maxMessageSize = builder.maxMessageSize;
        this.maxMessageSizes = Map.copyOf(builder.maxMessageSizes);
        this.settleTime = builder.settleTime;
        this.watch = builder.watch;
        this.hostVersion = builder.hostVersion;
        this.jvmOptions = List.copyOf(builder.jvmOptions);
        this.classDataCache = builder.classDataCache;
        this.unpackDirectory = builder.unpackDirectory;
        this.manifestCookies = builder.manifestCookies;
        this.manifestReader = builder.manifestReader;
        this.parallelStarts = builder.parallelStarts;
        this.sandboxAll = builder.sandboxAll;
        this.openTelemetry = builder.openTelemetry;
        this.spans = spans(openTelemetry);
        this.listeners = List.copyOf(builder.listeners);
        this.callListeners = List.copyOf(builder.callListeners);
        this.startHooks = List.copyOf(builder.startHooks);
    }

    /**
     * The listener that makes spans of the plugins' lives, or null when tracing is off: PluginSpans names
     * OpenTelemetry's types, so it is reached only when they are on the class path.
     */
    private static PluginListener spans(Object openTelemetry) {
        if (!CallTracing.available() || openTelemetry != null && !CallTracing.of(openTelemetry).enabled()) {
            return null;
        }
        return PluginSpans.of(openTelemetry);
    }

    /** The application protocol versions this host speaks: those it has plugin types for. */
    Set<Integer> protocolVersions() {
        return new TreeSet<>(types.keySet());
    }

    /** Whether some protocol version has a plugin type named {@code name}. */
    boolean registers(String name) {
        return types.values().stream().anyMatch(set -> set.containsKey(name));
    }

    /** The largest message for plugin {@code id}. */
    int maxMessageSize(String id) {
        return maxMessageSizes.getOrDefault(id, maxMessageSize);
    }

    /** The handshake to start {@code source} with: its manifest's cookie when the manager takes those. */
    HandshakeConfig handshakeFor(PluginSource source) {
        return manifestCookies
                ? source.manifest().flatMap(manifest -> PluginDirectory.handshakeOf(handshake, manifest)).orElse(handshake)
                : handshake;
    }

    /**
     * What every launch of plugin {@code id} shares: the client defaults, then the manager's settings; the plugin
     * adds its command, directory and environment.
     */
    ClientConfig.Builder clientTemplate(String id) {
        ClientConfig.Builder builder = ClientConfig.builder();
        clientDefaults.accept(builder);
        builder.name(id)
                .handshake(handshake)
                .startTimeout(startTimeout)
                .callTimeout(callTimeout)
                .maxMessageSize(maxMessageSize(id));
        if (openTelemetry != null) {
            // Only set when the API is on the class path: the cast is resolved only here.
            builder.openTelemetry((io.opentelemetry.api.OpenTelemetry) openTelemetry);
        }
        types.forEach((version, set) -> set.forEach((name, type) -> builder.plugin(version, name, type)));
        return builder;
    }
}
