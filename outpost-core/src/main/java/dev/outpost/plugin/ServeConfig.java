package dev.outpost.plugin;

import dev.outpost.internal.grpc.CallTracing;
import dev.outpost.grpc.GrpcServerPlugin;
import dev.outpost.internal.grpc.PluginSets;
import dev.outpost.internal.grpc.Transport;
import dev.outpost.rpc.InterfacePlugin;
import dev.outpost.HandshakeConfig;
import dev.outpost.Network;
import dev.outpost.TlsFiles;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a plugin serves: its handshake and, for each application protocol version it speaks, the
 * named plugins of that version. Immutable; build with {@link #builder()}.
 */
public final class ServeConfig {

    private final HandshakeConfig handshake;
    private final Map<Integer, Map<String, GrpcServerPlugin>> versionedPlugins;
    private final Network network;
    private final Duration shutdownGrace;
    private final int maxMessageSize;
    private final CallTracing tracing;
    private final Set<String> nonBlocking;
    private final String remoteAddress;
    private final TlsFiles remoteTls;

    private ServeConfig(Builder builder) {
        this.handshake = Objects.requireNonNull(builder.handshake, "handshake is required");
        this.versionedPlugins = PluginSets.freeze(builder.versionedPlugins, "a plugin must serve at least one plugin");
        this.network = builder.network != null ? builder.network
                : Transport.unixSocketsAvailable() ? Network.UNIX : Network.TCP;
        this.shutdownGrace = builder.shutdownGrace;
        this.maxMessageSize = builder.maxMessageSize;
        this.tracing = builder.tracing != null ? builder.tracing : CallTracing.global();
        this.nonBlocking = Set.copyOf(builder.nonBlocking);
        this.remoteAddress = builder.remoteAddress;
        this.remoteTls = builder.remoteTls;
    }

    public static Builder builder() {
        return new Builder();
    }

    public HandshakeConfig handshake() {
        return handshake;
    }

    /** Plugin sets by application protocol version, ascending. */
    public Map<Integer, Map<String, GrpcServerPlugin>> versionedPlugins() {
        return versionedPlugins;
    }

    /** Where the plugin listens: a Unix socket where the platform has them, else loopback TCP. */
    public Network network() {
        return network;
    }

    /** How long in-flight calls may run on after the host asked the plugin to shut down. */
    public Duration shutdownGrace() {
        return shutdownGrace;
    }

    /**
     * The largest message, in bytes, the plugin accepts on its server and its broker servers, and sends or
     * accepts on the connections it dials through the broker. By default 2^31 - 1, what go-plugin hosts
     * send and accept.
     */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** The methods, by full name, that run on the connection's I/O thread: see {@link Builder#nonBlocking}. */
    public Set<String> nonBlocking() {
        return nonBlocking;
    }

    /** How the host's calls and the plugin's callbacks are traced. */
    CallTracing tracing() {
        return tracing;
    }

    /** The address of {@link Builder#remote}, or null to serve a host that launched the plugin. */
    String remoteAddress() {
        return remoteAddress;
    }

    /** The TLS files of {@link Builder#remote}, or null. */
    TlsFiles remoteTls() {
        return remoteTls;
    }

    /** Builds a {@link ServeConfig}. */
    public static final class Builder {
        private HandshakeConfig handshake;
        private final Map<Integer, Map<String, GrpcServerPlugin>> versionedPlugins = new TreeMap<>();
        private Network network;
        private Duration shutdownGrace = Duration.ofSeconds(1);
        private final Set<String> nonBlocking = new java.util.LinkedHashSet<>();
        private int maxMessageSize = Transport.MAX_MESSAGE_SIZE;
        private CallTracing tracing;
        private String remoteAddress;
        private TlsFiles remoteTls;

        private Builder() {
        }

        /** The handshake; its protocol version is the version of plugins added without one. Required. */
        public Builder handshake(HandshakeConfig handshake) {
            this.handshake = Objects.requireNonNull(handshake, "handshake");
            return this;
        }

        /** Serves {@code plugin} as {@code name} in the handshake's protocol version. */
        public Builder plugin(String name, GrpcServerPlugin plugin) {
            if (handshake == null) {
                throw new IllegalStateException("set the handshake before adding plugins without a version");
            }
            return plugin(handshake.protocolVersion(), name, plugin);
        }

        /** Serves {@code plugin} as {@code name} in application protocol {@code version}. */
        public Builder plugin(int version, String name, GrpcServerPlugin plugin) {
            PluginSets.add(versionedPlugins, version, name, plugin);
            return this;
        }

        /**
         * Serves {@code implementation} of the plain Java interface {@code type} as {@code name}, in the
         * handshake's protocol version; see {@link InterfacePlugin} for what an interface may use.
         *
         * @throws IllegalArgumentException when {@code type} cannot be remoted, naming the method
         */
        public <T> Builder plugin(String name, Class<T> type, T implementation) {
            return plugin(name, InterfacePlugin.server(type, implementation));
        }

        /** Serves {@code implementation} of {@code type} as {@code name} in protocol {@code version}. */
        public <T> Builder plugin(int version, String name, Class<T> type, T implementation) {
            return plugin(version, name, InterfacePlugin.server(type, implementation));
        }

        /** Forces a network; the default is {@link Network#UNIX} where available. */
        public Builder network(Network network) {
            this.network = Objects.requireNonNull(network, "network");
            return this;
        }

        /** How long in-flight calls may finish after a shutdown request; default 1 s (hosts wait 2 s). */
        public Builder shutdownGrace(Duration grace) {
            if (grace.isNegative()) {
                throw new IllegalArgumentException("grace must not be negative");
            }
            this.shutdownGrace = grace;
            return this;
        }

        /**
         * Lowers the largest message the plugin accepts (default 2^31 - 1 bytes, go-plugin's limit). By
         * default a host may make the plugin hold a message of up to 2 GiB in memory; a plugin that expects
         * small messages can refuse larger ones here. A request over the limit fails that call alone with
         * {@code RESOURCE_EXHAUSTED} naming both sizes; the plugin keeps serving. The limit also applies to
         * what the plugin sends on the connections it dials through the broker (callbacks to the host);
         * gRPC does not limit what a server sends, so the plugin's answers are bounded by the host's limit.
         *
         * @throws IllegalArgumentException when {@code bytes} is not positive
         */
        public Builder maxMessageSize(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxMessageSize must be positive, got " + bytes);
            }
            this.maxMessageSize = bytes;
            return this;
        }

        /**
         * Runs the calls of these methods (full gRPC names, {@code package.Service/Method}, e.g. {@code
         * plugin.KV/Get}) on the thread that read them, the connection's I/O thread, instead of handing each
         * to a thread of the call executor and back. That hand-off is most of a Java plugin's latency: in the
         * harness a Go host's {@code Get} took about half as long with it gone (benchmarks/README.md). Only
         * for methods whose implementation never blocks: no I/O, no waiting on a lock or a future, no call
         * back to the host through the broker (its answer comes on the same I/O thread, which is waiting:
         * the call would hang until its deadline). While such a method runs, the other calls of its
         * connection wait. Other methods, and go-plugin's own services, keep the call executor. A name that
         * no service of the plugin has fails {@link PluginServer#start}.
         */
        public Builder nonBlocking(String... fullMethodNames) {
            for (String name : fullMethodNames) {
                if (name == null || !name.matches("[^/\\s]+/[^/\\s]+")) {
                    throw new IllegalArgumentException("nonBlocking takes full gRPC method names, "
                            + "service/method (e.g. plugin.KV/Get), got " + name);
                }
                nonBlocking.add(name);
            }
            return this;
        }

        /**
         * Traces the host's calls and the plugin's callbacks to the host with {@code openTelemetry}: each
         * call from the host continues the host's trace (its W3C {@code traceparent} metadata) in a server
         * span, current while the implementation runs, so the callbacks it makes are client spans of that
         * trace. By default {@code GlobalOpenTelemetry} whenever one is set, nothing when the OpenTelemetry
         * API is not on the class path; {@code OpenTelemetry.noop()} turns tracing off.
         */
        public Builder openTelemetry(io.opentelemetry.api.OpenTelemetry openTelemetry) {
            this.tracing = CallTracing.of(Objects.requireNonNull(openTelemetry, "openTelemetry"));
            return this;
        }

        /**
         * Serves remote hosts, as a service does, instead of the one host that launched the plugin: listens
         * on TCP {@code address} ({@code 0.0.0.0:7000}, or {@code 127.0.0.1:0} for any free port) with mutual
         * TLS from the operator's {@code tls} files (the host's certificate must chain to {@code tls.ca()}),
         * without the magic cookie check, and prints its address once it listens. The environment
         * variables {@code OUTPOST_SERVE_ADDRESS} and {@code OUTPOST_TLS_CA}, {@code OUTPOST_TLS_CERT},
         * {@code OUTPOST_TLS_KEY} do the same for a plugin whose {@code main} does not call this, and win
         * over it; see {@link PluginServer#serve} and {@code docs/scaling.md}.
         *
         * @throws IllegalArgumentException when {@code address} is not {@code host:port}
         */
        public Builder remote(String address, TlsFiles tls) {
            dev.outpost.internal.grpc.TcpAddress.parse(address, true);
            this.remoteAddress = address;
            this.remoteTls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        public ServeConfig build() {
            return new ServeConfig(this);
        }
    }
}
