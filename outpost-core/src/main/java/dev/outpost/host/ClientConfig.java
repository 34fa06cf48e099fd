package dev.outpost.host;

import dev.outpost.internal.grpc.CallTracing;
import dev.outpost.grpc.GrpcClientPlugin;
import dev.outpost.internal.grpc.PluginSets;
import dev.outpost.internal.grpc.Transport;
import dev.outpost.rpc.InterfacePlugin;
import dev.outpost.HandshakeConfig;
import dev.outpost.internal.wire.PluginEnv;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * How to launch and talk to one plugin. Immutable; build with {@link #builder()}.
 *
 * <pre>{@code
 * ClientConfig config = ClientConfig.builder()
 *         .handshake(HandshakeConfig.of(1, "BASIC_PLUGIN", "hello"))
 *         .command("plugins/kv")
 *         .plugin("kv", GrpcPlugin.client(KVGrpc::newBlockingStub))
 *         .build();
 * }</pre>
 */
public final class ClientConfig {

    private final String name;
    private final HandshakeConfig handshake;
    private final Map<Integer, Map<String, GrpcClientPlugin<?>>> versionedPlugins;
    private final List<String> command;
    private final JavaCommand javaCommand;
    private final Path workingDirectory;
    private final Map<String, String> env;
    private final boolean skipHostEnv;
    private final Redirect stdin;
    private final Duration startTimeout;
    private final Duration callTimeout;
    private final Duration gracefulTimeout;
    private final int minPort;
    private final int maxPort;
    private final Consumer<String> stdout;
    private final Consumer<String> stderr;
    private final Consumer<String> syncStdout;
    private final Consumer<String> syncStderr;
    private final Path unixSocketDir;
    private final String unixSocketGroup;
    private final int maxMessageSize;
    private final String loggerName;
    private final boolean managed;
    private final boolean autoMtls;
    private final boolean multiplexBroker;
    private final Checksum checksum;
    private final Runner runner;
    private final Limits limits;
    private final CallTracing tracing;
    /** What the builder held, unresolved (a name not given stays not given): what {@link #toBuilder} copies. */
    private final Builder given;

    private ClientConfig(Builder builder) {
        this.given = new Builder(builder);
        this.handshake = Objects.requireNonNull(builder.handshake, "handshake is required");
        this.versionedPlugins = PluginSets.freeze(builder.versionedPlugins,
                "register at least one plugin type with plugin(name, GrpcClientPlugin)");
        this.javaCommand = builder.javaCommand;
        this.command = javaCommand != null ? javaCommand.command() : List.copyOf(builder.command);
        this.name = builder.name != null ? builder.name
                : javaCommand != null ? javaCommand.defaultName()
                : command.isEmpty() ? "plugin" : Path.of(command.get(0)).getFileName().toString();
        this.workingDirectory = builder.workingDirectory;
        this.env = Collections.unmodifiableMap(new LinkedHashMap<>(builder.env));
        this.skipHostEnv = builder.skipHostEnv;
        this.stdin = builder.stdin;
        this.startTimeout = builder.startTimeout;
        this.callTimeout = builder.callTimeout;
        this.gracefulTimeout = builder.gracefulTimeout;
        if (builder.minPort > builder.maxPort) {
            throw new IllegalArgumentException("minPort " + builder.minPort + " is greater than maxPort " + builder.maxPort);
        }
        this.minPort = builder.minPort;
        this.maxPort = builder.maxPort;
        this.stdout = builder.stdout;
        this.stderr = builder.stderr;
        this.syncStdout = builder.syncStdout;
        this.syncStderr = builder.syncStderr;
        this.unixSocketDir = builder.unixSocketDir;
        this.unixSocketGroup = builder.unixSocketGroup;
        this.maxMessageSize = builder.maxMessageSize;
        this.loggerName = builder.loggerName != null ? builder.loggerName : "outpost.plugin." + name;
        this.managed = builder.managed;
        this.autoMtls = builder.autoMtls;
        this.multiplexBroker = builder.multiplexBroker;
        this.checksum = builder.checksum;
        this.runner = builder.runner;
        this.limits = builder.limits;
        this.tracing = builder.tracing != null ? builder.tracing : CallTracing.global();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder with everything this config was built with, to derive another config from it: what was
     * left to its default (the name, the logger name) is still left to it, so {@code toBuilder().command(...)}
     * names the new command, not the old one.
     */
    public Builder toBuilder() {
        return new Builder(given);
    }

    /** The plugin's name in logs and errors; by default the file name of the command. */
    public String name() {
        return name;
    }

    public HandshakeConfig handshake() {
        return handshake;
    }

    /** Plugin types by application protocol version, ascending. */
    public Map<Integer, Map<String, GrpcClientPlugin<?>>> versionedPlugins() {
        return versionedPlugins;
    }

    /** The command and its arguments; empty for a config only used to reattach. */
    public List<String> command() {
        return command;
    }

    /** The Java plugin's command, when the plugin was given as one (see {@link JavaCommand}). */
    public Optional<JavaCommand> javaCommand() {
        return Optional.ofNullable(javaCommand);
    }

    public Optional<Path> workingDirectory() {
        return Optional.ofNullable(workingDirectory);
    }

    /** Variables added to the plugin's environment; they override the host's own. */
    public Map<String, String> env() {
        return env;
    }

    /** Whether the plugin starts from an empty environment instead of the host's. */
    public boolean skipHostEnv() {
        return skipHostEnv;
    }

    /** The plugin's stdin; by default the host's, as with go-plugin. */
    public Redirect stdin() {
        return stdin;
    }

    /** How long launching and the handshake may take. */
    public Duration startTimeout() {
        return startTimeout;
    }

    /** The deadline given to unary calls that have none; zero for none. */
    public Duration callTimeout() {
        return callTimeout;
    }

    /** How long the plugin may take to exit after being asked to shut down, and again after SIGTERM. */
    public Duration gracefulTimeout() {
        return gracefulTimeout;
    }

    public int minPort() {
        return minPort;
    }

    public int maxPort() {
        return maxPort;
    }

    /** Receives each line the plugin writes on stdout after its handshake. */
    public Consumer<String> stdout() {
        return stdout;
    }

    /** Receives a raw copy of each stderr line, besides the log event made from it; may be null. */
    public Consumer<String> stderr() {
        return stderr;
    }

    /**
     * Receives each line the plugin streams on the stdout channel of go-plugin's stdio service, and only
     * those (not what comes through the stdout pipe); may be null. go-plugin's {@code SyncStdout}.
     */
    public Consumer<String> syncStdout() {
        return syncStdout;
    }

    /**
     * Receives each line the plugin streams on the stderr channel of go-plugin's stdio service, and only
     * those (not what comes through the stderr pipe); may be null. go-plugin's {@code SyncStderr}.
     */
    public Consumer<String> syncStderr() {
        return syncStderr;
    }

    /** Where the host makes the plugin's private socket directory; empty for {@code java.io.tmpdir}. */
    public Optional<Path> unixSocketDir() {
        return Optional.ofNullable(unixSocketDir);
    }

    /** The group (a name or a numeric gid) that may open the plugin's sockets; empty for none. */
    public Optional<String> unixSocketGroup() {
        return Optional.ofNullable(unixSocketGroup);
    }

    /**
     * The largest message, in bytes, the host sends to or accepts from the plugin, on its connection and
     * through the broker; 2^31 - 1 by default.
     */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** The SLF4J logger the plugin's log lines go to; by default {@code outpost.plugin.<name>}. */
    public String loggerName() {
        return loggerName;
    }

    /**
     * Whether the host makes sure the plugin goes with it: a JVM shutdown hook stops the plugin if the
     * host exits without closing it, and on Linux a guard process kills the plugin and whatever it
     * started if the host dies (SIGKILL included).
     */
    public boolean managed() {
        return managed;
    }

    /**
     * Whether host and plugin talk over go-plugin's automatic mutual TLS: each side makes a one-off
     * certificate and trusts only the other's, so no other local process can call the plugin or
     * pose as it. Off by default, as in go-plugin.
     */
    public boolean autoMtls() {
        return autoMtls;
    }

    /**
     * Whether the host asks for go-plugin's broker multiplexing (go-plugin 1.6+): one connection to the
     * plugin's socket carries the main connection and every brokered one. Off by default, as in go-plugin.
     */
    public boolean multiplexBroker() {
        return multiplexBroker;
    }

    /** How the calls to and from the plugin are traced. */
    CallTracing tracing() {
        return tracing;
    }

    /** The checksum the executable must have before it is launched, if one was set. */
    public Optional<Checksum> checksum() {
        return Optional.ofNullable(checksum);
    }

    /** Where and how the plugin's process runs; {@link Runner#local()} by default. */
    public Runner runner() {
        return runner;
    }

    /** The resource limits of the plugin's processes, if any. */
    public Optional<Limits> limits() {
        return Optional.ofNullable(limits);
    }

    /**
     * The expected digest of the plugin's executable (go-plugin's {@code SecureConfig}).
     *
     * @param algorithm a {@link java.security.MessageDigest} algorithm, such as {@code SHA-256}
     * @param expected  the digest the file must have
     */
    public record Checksum(String algorithm, byte[] expected) {
        public Checksum {
            Objects.requireNonNull(algorithm, "algorithm");
            expected = Objects.requireNonNull(expected, "expected").clone();
            try {
                java.security.MessageDigest.getInstance(algorithm);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalArgumentException("unknown checksum algorithm \"" + algorithm + "\"", e);
            }
            if (expected.length == 0) {
                throw new IllegalArgumentException("the expected checksum is empty");
            }
        }

        @Override
        public byte[] expected() {
            return expected.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Checksum that && algorithm.equals(that.algorithm)
                    && java.util.Arrays.equals(expected, that.expected);
        }

        @Override
        public int hashCode() {
            return algorithm.hashCode() * 31 + java.util.Arrays.hashCode(expected);
        }

        @Override
        public String toString() {
            return algorithm + ":" + java.util.HexFormat.of().formatHex(expected);
        }
    }

    /** Builds a {@link ClientConfig}. */
    public static final class Builder {
        private String name;
        private HandshakeConfig handshake;
        private final Map<Integer, Map<String, GrpcClientPlugin<?>>> versionedPlugins = new TreeMap<>();
        private List<String> command = List.of();
        private JavaCommand javaCommand;
        private Path workingDirectory;
        private final Map<String, String> env = new LinkedHashMap<>();
        private boolean skipHostEnv;
        private Redirect stdin = Redirect.INHERIT;
        private Duration startTimeout = Duration.ofMinutes(1);
        private Duration callTimeout = Duration.ofSeconds(30);
        private Duration gracefulTimeout = Duration.ofSeconds(2);
        private int minPort = PluginEnv.DEFAULT_MIN_PORT;
        private int maxPort = PluginEnv.DEFAULT_MAX_PORT;
        private Consumer<String> stdout;
        private Consumer<String> stderr;
        private Consumer<String> syncStdout;
        private Consumer<String> syncStderr;
        private Path unixSocketDir;
        private String unixSocketGroup;
        private int maxMessageSize = Transport.MAX_MESSAGE_SIZE;
        private String loggerName;
        private boolean managed = true;
        private boolean autoMtls;
        private boolean multiplexBroker;
        private Checksum checksum;
        private Runner runner = Runner.local();
        private Limits limits;
        private CallTracing tracing;

        private Builder() {
        }

        /** A copy of {@code other}: every field, the maps as copies of their own. */
        private Builder(Builder other) {
            name = other.name;
            handshake = other.handshake;
            other.versionedPlugins.forEach((version, plugins) -> versionedPlugins.put(version,
                    new LinkedHashMap<>(plugins)));
            command = other.command;
            javaCommand = other.javaCommand;
            workingDirectory = other.workingDirectory;
            env.putAll(other.env);
            skipHostEnv = other.skipHostEnv;
            stdin = other.stdin;
            startTimeout = other.startTimeout;
            callTimeout = other.callTimeout;
            gracefulTimeout = other.gracefulTimeout;
            minPort = other.minPort;
            maxPort = other.maxPort;
            stdout = other.stdout;
            stderr = other.stderr;
            syncStdout = other.syncStdout;
            syncStderr = other.syncStderr;
            unixSocketDir = other.unixSocketDir;
            unixSocketGroup = other.unixSocketGroup;
            maxMessageSize = other.maxMessageSize;
            loggerName = other.loggerName;
            managed = other.managed;
            autoMtls = other.autoMtls;
            multiplexBroker = other.multiplexBroker;
            checksum = other.checksum;
            runner = other.runner;
            limits = other.limits;
            tracing = other.tracing;
        }

        /** The name used in logs and errors; default: the command's file name. */
        public Builder name(String name) {
            this.name = requireText(name, "name");
            return this;
        }

        /** The handshake both sides share. Required. */
        public Builder handshake(HandshakeConfig handshake) {
            this.handshake = Objects.requireNonNull(handshake, "handshake");
            return this;
        }

        /** Accepts {@code plugin} as {@code name} in the handshake's protocol version. */
        public Builder plugin(String name, GrpcClientPlugin<?> plugin) {
            if (handshake == null) {
                throw new IllegalStateException("set the handshake before adding plugins without a version");
            }
            return plugin(handshake.protocolVersion(), name, plugin);
        }

        /** Accepts {@code plugin} as {@code name} when the plugin speaks protocol {@code version}. */
        public Builder plugin(int version, String name, GrpcClientPlugin<?> plugin) {
            PluginSets.add(versionedPlugins, version, name, plugin);
            return this;
        }

        /**
         * Accepts the plain Java interface {@code type} as {@code name}, in the handshake's protocol
         * version: {@code dispense(name, type)} returns a proxy; see {@link InterfacePlugin}.
         *
         * @throws IllegalArgumentException when {@code type} cannot be remoted, naming the method
         */
        public Builder plugin(String name, Class<?> type) {
            return plugin(name, InterfacePlugin.client(type));
        }

        /** Accepts the plain Java interface {@code type} as {@code name} in protocol {@code version}. */
        public Builder plugin(int version, String name, Class<?> type) {
            return plugin(version, name, InterfacePlugin.client(type));
        }

        /** The program to launch and its arguments. Required to {@link PluginClient#start start}. */
        public Builder command(String program, String... args) {
            requireText(program, "command");
            this.command = concat(program, args);
            this.javaCommand = null;
            return this;
        }

        /** The program to launch and its arguments. */
        public Builder command(List<String> command) {
            if (command.isEmpty()) {
                throw new IllegalArgumentException("command must not be empty");
            }
            requireText(command.get(0), "command");
            this.command = List.copyOf(command);
            this.javaCommand = null;
            return this;
        }

        /**
         * A Java plugin in its own JVM, with small-process defaults and class data sharing: each start
         * runs {@link JavaCommand}'s command for that moment. The name defaults to the jar's or the main class's.
         */
        public Builder command(JavaCommand command) {
            this.javaCommand = Objects.requireNonNull(command, "command");
            this.command = command.command();
            return this;
        }

        public Builder workingDirectory(Path directory) {
            this.workingDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Adds a variable to the plugin's environment (overrides the host's value). */
        public Builder env(String key, String value) {
            env.put(requireText(key, "env key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder env(Map<String, String> variables) {
            variables.forEach(this::env);
            return this;
        }

        /** Starts the plugin from an empty environment plus {@link #env} and the go-plugin variables. */
        public Builder skipHostEnv(boolean skip) {
            this.skipHostEnv = skip;
            return this;
        }

        public Builder stdin(Redirect stdin) {
            this.stdin = Objects.requireNonNull(stdin, "stdin");
            return this;
        }

        /** Default one minute. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = requirePositive(timeout, "startTimeout");
            return this;
        }

        /** Default 30 s for unary calls without their own deadline; {@link Duration#ZERO} for none. */
        public Builder callTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "callTimeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("callTimeout must not be negative");
            }
            this.callTimeout = timeout;
            return this;
        }

        /** Default 2 s, as go-plugin. */
        public Builder gracefulTimeout(Duration timeout) {
            this.gracefulTimeout = requirePositive(timeout, "gracefulTimeout");
            return this;
        }

        /** The TCP port range offered to plugins that listen on TCP; default 10000–25000. */
        public Builder ports(int min, int max) {
            if (min < 0 || max > 65535) {
                throw new IllegalArgumentException("ports must be within 0..65535, got " + min + ".." + max);
            }
            this.minPort = min;
            this.maxPort = max;
            return this;
        }

        /** Receives the plugin's stdout lines; default: logged at INFO on {@code <logger>.stdout}. */
        public Builder stdout(Consumer<String> sink) {
            this.stdout = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /** Also receives a raw copy of every stderr line. */
        public Builder stderr(Consumer<String> sink) {
            this.stderr = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /**
         * Also receives, line by line, exactly what the plugin streams on the stdout channel of go-plugin's
         * stdio service ({@code plugin.GRPCStdio}: what a Go plugin writes to {@code os.Stdout}, a Java plugin
         * to {@code System.out}), as go-plugin's {@code SyncStdout}. Lines from the stdout pipe do not reach
         * it; {@link #stdout} still receives both. Called on a gRPC thread, in order; an exception it throws
         * is logged and the stream goes on.
         */
        public Builder syncStdout(Consumer<String> sink) {
            this.syncStdout = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /**
         * Also receives, line by line, exactly what the plugin streams on the stderr channel of go-plugin's
         * stdio service, as go-plugin's {@code SyncStderr}. Lines from the stderr pipe do not reach it; they
         * and these are still logged and copied to {@link #stderr}. Called as {@link #syncStdout}.
         */
        public Builder syncStderr(Consumer<String> sink) {
            this.syncStderr = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /**
         * Makes each start's private socket directory ({@code outpost-*}, given to the plugin as
         * {@code PLUGIN_UNIX_SOCKET_DIR}) inside {@code directory} instead of {@code java.io.tmpdir}, as
         * go-plugin's {@code UnixSocketConfig.TempDir}. go-plugin 1.5+ and Outpost plugins make their sockets
         * in it, and the host its broker sockets; it is removed when the plugin stops, crashes or fails to
         * start. A short directory keeps socket paths within the 107 bytes of a Unix socket address. The
         * directory must exist when the plugin starts; a missing one, or one too long for socket paths,
         * fails the start, naming the plugin.
         */
        public Builder unixSocketDir(Path directory) {
            this.unixSocketDir = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * Lets a group open the plugin's sockets (go-plugin's {@code UnixSocketConfig.Group}), e.g. for a
         * plugin running as another user of that group: the private socket directory is 0770 and the group's,
         * the host's broker sockets are 0660 and the group's, and {@code PLUGIN_UNIX_SOCKET_GROUP} asks the
         * plugin to do the same with its sockets. A group name or a numeric gid; this user must be root or a
         * member of the group. An unknown group fails the start, naming the plugin.
         */
        public Builder unixSocketGroup(String group) {
            this.unixSocketGroup = requireText(group, "unixSocketGroup");
            return this;
        }

        /**
         * Lowers the largest message, in bytes, the host sends to or accepts from the plugin (default
         * 2^31 - 1, go-plugin's limit), on the plugin's connection and on broker connections both ways. By
         * default a plugin may make the host hold a message of up to 2 GiB in memory; a host that expects
         * small messages can refuse larger ones here. A message over the limit fails that call alone with
         * {@code RESOURCE_EXHAUSTED}, naming both sizes; the plugin and its other calls are unaffected.
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

        /** The SLF4J logger name for the plugin's logs; default {@code outpost.plugin.<name>}. */
        public Builder loggerName(String loggerName) {
            this.loggerName = requireText(loggerName, "loggerName");
            return this;
        }

        /**
         * Whether the host makes sure the plugin goes with it, however the host ends (see
         * {@link ClientConfig#managed()}); default true. False leaves it to the plugin, as go-plugin does.
         */
        public Builder managed(boolean managed) {
            this.managed = managed;
            return this;
        }

        /**
         * Talk to the plugin over go-plugin's automatic mutual TLS (default false). The host sends its
         * one-off certificate in {@code PLUGIN_CLIENT_CERT}; the start fails if the plugin does not
         * answer with its own certificate in the handshake, or presents another one than it announced.
         * Not available with {@link PluginClient#reattach}: the certificates live only as long as the
         * two processes.
         */
        public Builder autoMtls(boolean autoMtls) {
            this.autoMtls = autoMtls;
            return this;
        }

        /**
         * Ask for go-plugin's broker multiplexing (go-plugin's {@code GRPCBrokerMultiplex}, default false):
         * the host sets {@code PLUGIN_MULTIPLEX_GRPC=true} and opens a single connection to the plugin's
         * socket, a yamux session whose streams carry the main gRPC connection and every brokered one
         * (callbacks), under AutoMTLS each over its own TLS session; the host listens on no socket. A
         * plugin that does not answer {@code true} in its handshake (go-plugin before 1.6, most plugins in
         * other languages) fails the start, saying so. Not available with {@link PluginClient#reattach}.
         */
        public Builder multiplexBroker(boolean multiplexBroker) {
            this.multiplexBroker = multiplexBroker;
            return this;
        }

        /**
         * Refuse to launch the command unless its executable (the first element of the command,
         * looked up on {@code PATH} as the operating system would) has this digest. The checked bytes
         * are copied into the plugin's private socket directory (mode 0500) and that copy is launched,
         * so replacing the original after the check changes nothing. It covers only that one file: a
         * script's interpreter and whatever the program loads (for {@code java -jar app.jar}, the jar)
         * are not checked; make the checked file the program itself.
         *
         * @param algorithm a {@link java.security.MessageDigest} algorithm, such as {@code SHA-256}
         * @param expected  the digest the file must have
         * @throws IllegalArgumentException when the algorithm is unknown or the digest empty
         */
        public Builder checksum(String algorithm, byte[] expected) {
            this.checksum = new Checksum(algorithm, expected);
            return this;
        }

        /**
         * Where and how the plugin's process runs (default {@link Runner#local()}, a child process of this
         * JVM): for instance a {@link Sandbox}. Only {@link PluginClient#start} uses it.
         */
        public Builder runner(Runner runner) {
            this.runner = Objects.requireNonNull(runner, "runner");
            return this;
        }

        /**
         * Limits the memory, CPU, processes and open files of the plugin and all it starts, with any runner
         * (see {@link Limits}); a start whose limits cannot be set up fails, saying why. Only
         * {@link PluginClient#start} uses it.
         */
        public Builder limits(Limits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Traces the calls to the plugin and the plugin's callbacks with {@code openTelemetry}: each call
         * sends its W3C trace context ({@code traceparent}, {@code tracestate}) in its metadata and gets a
         * client span, each callback continues the plugin's trace in a server span. By default the calls
         * are traced with {@code GlobalOpenTelemetry} whenever one is set, and not at all when the
         * OpenTelemetry API is not on the class path; {@code OpenTelemetry.noop()} turns tracing off.
         */
        public Builder openTelemetry(io.opentelemetry.api.OpenTelemetry openTelemetry) {
            this.tracing = CallTracing.of(Objects.requireNonNull(openTelemetry, "openTelemetry"));
            return this;
        }

        public ClientConfig build() {
            return new ClientConfig(this);
        }

        private static List<String> concat(String program, String[] args) {
            String[] all = new String[args.length + 1];
            all[0] = program;
            System.arraycopy(args, 0, all, 1, args.length);
            return List.of(all);
        }

        static String requireText(String value, String what) {
            Objects.requireNonNull(value, what);
            if (value.isBlank()) {
                throw new IllegalArgumentException(what + " must not be blank");
            }
            return value;
        }

        private static Duration requirePositive(Duration value, String what) {
            Objects.requireNonNull(value, what);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + value);
            }
            return value;
        }
    }
}
