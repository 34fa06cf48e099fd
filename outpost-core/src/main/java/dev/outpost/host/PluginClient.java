package dev.outpost.host;

import dev.outpost.internal.grpc.Broker;
import dev.outpost.PluginStartException;
import dev.outpost.PluginUnavailableException;
import dev.outpost.internal.grpc.DefaultDeadline;
import dev.outpost.grpc.GrpcBroker;
import dev.outpost.grpc.GrpcClientPlugin;
import dev.outpost.internal.grpc.Multiplexer;
import dev.outpost.internal.grpc.MutualTls;
import dev.outpost.internal.grpc.Transport;
import dev.outpost.internal.grpc.UnixSocketDir;
import dev.outpost.PluginStartException.Kind;
import dev.outpost.internal.yamux.YamuxDialAddress;
import dev.outpost.internal.HostAccess;
import dev.outpost.internal.LocalServer;
import dev.outpost.internal.wire.AutoMtls;
import dev.outpost.HandshakeException;
import dev.outpost.HandshakeLine;
import dev.outpost.Network;
import dev.outpost.internal.wire.proto.ConnInfo;
import dev.outpost.internal.wire.proto.Empty;
import dev.outpost.internal.wire.proto.GRPCBrokerGrpc;
import dev.outpost.internal.wire.proto.GRPCControllerGrpc;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host side of one plugin: launches its process, checks its handshake, connects, hands out
 * typed clients, forwards its logs and output, and stops it. Thread-safe.
 *
 * <pre>{@code
 * try (PluginClient plugin = PluginClient.start(config)) {
 *     KVGrpc.KVBlockingStub kv = plugin.dispense("kv", KVGrpc.KVBlockingStub.class);
 *     kv.put(PutRequest.newBuilder().setKey("hello").setValue(ByteString.copyFromUtf8("world")).build());
 * }
 * }</pre>
 *
 * <p>Calls on a dispensed client fail with a {@link StatusRuntimeException}: {@code UNAVAILABLE}
 * whose description says how the process ended if it died during the call, {@code DEADLINE_EXCEEDED}
 * when a unary call took longer than its deadline ({@link ClientConfig#callTimeout()} by default).
 */
public final class PluginClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PluginClient.class);
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(5);
    /** The first call also pays for two cold TLS stacks under AutoMTLS; capped by the start timeout. */
    private static final Duration START_HEALTH_TIMEOUT = Duration.ofSeconds(10);

    private final ClientConfig config;
    private final String name;
    /** How the plugin is reached and what ends it: launched, reattached or in-process. */
    private final Backend backend;
    private final HandshakeLine handshake;
    private final Map<String, GrpcClientPlugin<?>> plugins;
    private final ManagedChannel channel;
    /** {@link #channel}, traced: what plugins' clients are built on (the plumbing's calls are not traced). */
    private final Channel traced;
    private final Broker broker;
    /** The one connection of a multiplexed plugin, else null. */
    private final Multiplexer mux;
    private final DefaultDeadline deadline;
    private final CompletableFuture<PluginExit> exit;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final StdioStream stdio;
    private final MutualTls tls;

    private PluginClient(ClientConfig config, Backend backend, HandshakeLine handshake, PluginOutput output,
                         MutualTls tls) {
        this.config = config;
        this.name = config.name();
        this.backend = backend;
        this.handshake = handshake;
        this.plugins = config.versionedPlugins().get(handshake.appVersion());
        this.exit = backend.exit();
        exit.thenAccept(this::onExit);
        this.tls = tls;
        SocketAddress address = Transport.address(handshake.network(), handshake.address());
        // The deadline's listener runs first on close, so PluginCalls explains its DEADLINE_EXCEEDED.
        this.deadline = new DefaultDeadline(config.callTimeout());
        ClientInterceptor[] interceptors = {deadline,
                new PluginCalls(name, exit, closing::get, config.maxMessageSize())};
        if (config.multiplexBroker()) {
            try {
                this.mux = Multiplexer.connect(address, "plugin '" + name + "'");
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
            this.channel = mux.channel("plugin '" + name + "'", YamuxDialAddress.Gate.OPEN, tls,
                    config.maxMessageSize(), interceptors);
            this.broker = Broker.multiplexed(name, mux, Broker.DEFAULT_DIAL_TIMEOUT, tls,
                    config.maxMessageSize(), config.tracing());
        } else {
            this.mux = null;
            this.channel = Transport.channel(address, tls, config.maxMessageSize(), interceptors);
            this.broker = new Broker(name, backend.brokerListeners(handshake.network() == Network.TCP),
                    Broker.DEFAULT_DIAL_TIMEOUT, tls, config.maxMessageSize(), config.tracing());
        }
        this.traced = config.tracing().intercept(channel);
        openBrokerStream();
        this.stdio = StdioStream.open(channel, name, output, config);
    }

    /**
     * Launches the plugin and connects to it.
     *
     * @throws PluginStartException when the command cannot run, the plugin exits or times out before its
     *                              handshake, the handshake is invalid or incompatible, or its health check
     *                              fails; the message names the plugin and quotes its stderr, its {@link
     *                              PluginStartException#kind() kind} says whether another start can succeed;
     *                              no process is left
     */
    public static PluginClient start(ClientConfig config) {
        if (config.command().isEmpty()) {
            throw new IllegalArgumentException("plugin '" + config.name() + "': no command to launch");
        }
        PluginOutput output = PluginOutput.of(config);
        AutoMtls.Identity identity = config.autoMtls() ? AutoMtls.generate() : null;
        PluginProcess process = PluginLaunch.launch(config, output, PluginOutput.stdoutLogger(config), identity);
        String line = process.awaitHandshake(config.startTimeout());
        HandshakeLine handshake;
        try {
            handshake = HandshakeLine.parse(line);
        } catch (HandshakeException e) {
            throw process.failure("printed an invalid handshake: " + e.getMessage(), e,
                    StartFailures.ofInvalidHandshake(line));
        }
        handshake = HandshakeChecks.translated(process, handshake);
        HostSockets.goPluginSocket(handshake, config).ifPresent(process::guard);
        return connect(config, new LaunchedBackend(process, config, handshake), handshake, output, identity,
                startHealthTimeout(config));
    }

    /**
     * Connects to a plugin that is already running, without launching anything. Closing the client
     * asks the plugin to shut down and, if it does not, stops the process (unless its pid now belongs
     * to another program).
     *
     * @throws PluginStartException when the process does not exist, the version is not configured, or
     *                              the plugin does not answer its health check
     */
    public static PluginClient reattach(ClientConfig config, ReattachConfig reattach) {
        String name = config.name();
        if (config.autoMtls()) {
            throw new PluginStartException(name, "plugin '" + name + "': cannot reattach with AutoMTLS: the "
                    + "certificates exist only in the two processes that made them; reattach with a config "
                    + "without autoMtls(true), to a plugin started without it", List.of(), null);
        }
        if (config.multiplexBroker()) {
            // As go-plugin: a multiplexed plugin takes one connection, which its first host already has.
            throw new PluginStartException(name, "plugin '" + name + "': gRPC broker multiplexing is not supported "
                    + "with reattach; reattach with a config without multiplexBroker(true)", List.of(), null);
        }
        ProcessHandle handle = ProcessHandle.of(reattach.pid()).filter(ProcessHandle::isAlive)
                .orElseThrow(() -> new PluginStartException(name, "plugin '" + name + "': reattachment process "
                        + reattach.pid() + " not found", List.of(), null));
        if (!config.versionedPlugins().containsKey(reattach.protocolVersion())) {
            throw new PluginStartException(name, "plugin '" + name + "': protocol version "
                    + reattach.protocolVersion() + " is not configured (configured: "
                    + config.versionedPlugins().keySet() + ")", List.of(), null, Kind.INCOMPATIBLE);
        }
        HandshakeLine line = HandshakeLine.grpc(reattach.protocolVersion(), reattach.network(), reattach.address());
        return connect(config, new ReattachedBackend(name, handle), line, PluginOutput.of(config), null,
                HEALTH_TIMEOUT);
    }

    static {
        HostAccess.register(PluginClient::inProcess);
    }

    /**
     * Connects to a plugin served in this JVM ({@code dev.outpost.inprocess.InProcess#start}, which
     * documents it): there is no process, only a server and the socket directory made for it here.
     */
    private static PluginClient inProcess(ClientConfig config, LocalServer.Starter plugin) {
        String name = config.name();
        if (!config.handshake().magicCookieKey().equals(plugin.handshake().magicCookieKey())
                || !config.handshake().magicCookieValue().equals(plugin.handshake().magicCookieValue())) {
            throw new PluginStartException(name, "plugin '" + name + "' (in-process): magic cookie mismatch: the "
                    + "host's " + config.handshake().magicCookieKey() + "=" + config.handshake().magicCookieValue()
                    + " is not the plugin's " + plugin.handshake().magicCookieKey() + "="
                    + plugin.handshake().magicCookieValue() + " (a launched plugin would refuse to start)",
                    List.of(), null, Kind.COOKIE_MISMATCH);
        }
        UnixSocketDir sockets = HostSockets.create(config, "plugin '" + name + "' (in-process)");
        AutoMtls.Identity identity = config.autoMtls() ? AutoMtls.generate() : null;
        LocalServer server;
        try {
            server = plugin.start(HostEnv.of(config, sockets, identity));
        } catch (IOException | RuntimeException e) {
            sockets.close();
            throw new PluginStartException(name, "plugin '" + name + "' (in-process) cannot start its server: "
                    + e.getMessage(), List.of(), e);
        }
        return connect(config, new InProcessBackend(name, server, sockets), server.handshake(),
                PluginOutput.of(config), identity, startHealthTimeout(config));
    }

    /**
     * Connects to a plugin served remotely ({@code PluginServer} in its remote mode), over TCP with mutual
     * TLS from {@code remote}'s files: the host presents its certificate and accepts the plugin's only when
     * it chains to the configured authorities and names {@link RemoteConfig#serverName()}. Nothing is
     * launched and no process is ever signalled: {@link #pid()} is -1, {@link #close()} only closes the
     * connection (no shutdown request: the plugin may serve other hosts), and {@link #exited()} turns true
     * when the plugin cannot be reached any more (its connection failed and could not be made again) or
     * the client is closed; connect again with a new client. Callbacks through the broker are not
     * available (the plugin cannot dial back); {@link ClientConfig#autoMtls()} and the command are ignored,
     * and {@link ClientConfig#multiplexBroker()} is refused. Output and logs stay on the plugin's side.
     *
     * @throws PluginStartException naming the plugin and the address, when a TLS file cannot be used, the
     *                              address cannot be reached, the TLS handshake fails (saying why: an
     *                              unknown authority, a wrong name) or the plugin does not answer its health
     *                              check within the start timeout (at most 10 s)
     */
    public static PluginClient remote(ClientConfig config, RemoteConfig remote) {
        return RemoteBackend.connect(config, remote, startHealthTimeout(config));
    }

    /**
     * The start, once there is a plugin and its handshake, whichever way it was reached: checks that the
     * two sides are compatible, sets up AutoMTLS, connects, opens the broker and stdio streams and checks the
     * plugin's health. Every failure goes through {@link Backend#failure}, which stops what the backend made.
     *
     * @param identity the host's AutoMTLS identity, or null without AutoMTLS
     */
    private static PluginClient connect(ClientConfig config, Backend backend, HandshakeLine handshake,
                                        PluginOutput output, AutoMtls.Identity identity, Duration healthTimeout) {
        String incompatibility = HandshakeChecks.incompatibility(config, handshake);
        if (incompatibility != null) {
            throw backend.failure(incompatibility, null, Kind.INCOMPATIBLE);
        }
        MutualTls tls = HandshakeChecks.mutualTls(config, backend, handshake, identity);
        return connectWith(config, backend, handshake, output, tls, healthTimeout);
    }

    /** The rest of the start, with the connection's TLS (or null for plaintext) settled. */
    static PluginClient connectWith(ClientConfig config, Backend backend, HandshakeLine handshake,
                                    PluginOutput output, MutualTls tls, Duration healthTimeout) {
        String where = handshake.network().wireName() + ":" + handshake.address();
        PluginClient client;
        try {
            client = new PluginClient(config, backend, handshake, output, tls);
        } catch (RuntimeException e) {
            throw backend.failure("cannot be reached at " + where + ": " + e.getMessage(), e, Kind.OTHER);
        }
        try {
            client.checkHealth(healthTimeout);
        } catch (PluginUnavailableException e) {
            client.closing.set(true);
            client.disconnect();
            throw backend.failure(backend.unanswered(where) + ": " + e.getMessage(), e, Kind.OTHER);
        }
        backend.connected(client.channel);
        if (config.managed()) {
            ManagedClients.add(client);
        }
        LOG.debug("plugin '{}' (pid {}) ready at {}, protocol version {}", config.name(), client.pid(), where,
                handshake.appVersion());
        return client;
    }

    /** The first health check may take long (two cold JVMs, a TLS handshake), but never past the start timeout. */
    private static Duration startHealthTimeout(ClientConfig config) {
        return config.startTimeout().compareTo(START_HEALTH_TIMEOUT) < 0 ? config.startTimeout() : START_HEALTH_TIMEOUT;
    }

    /** The plugin's name, as in {@link ClientConfig#name()}. */
    public String name() {
        return name;
    }

    /**
     * The process id of the plugin; this JVM's for a plugin served in this JVM; -1 for a {@link #remote}
     * plugin, whose process is not on this host.
     */
    public long pid() {
        return backend.pid();
    }

    /**
     * What the plugin's processes use together (memory, CPU time), while it runs with {@link
     * ClientConfig#limits() limits} that give it a cgroup; empty otherwise.
     */
    public java.util.Optional<ResourceUsage> usage() {
        return backend.usage();
    }

    /** Whether the plugin is served remotely and reached by {@link #remote}: it has no process here. */
    public boolean isRemote() {
        return backend instanceof RemoteBackend;
    }

    /** Whether the plugin is served in this JVM ({@code InProcess.start}) rather than by a process of its own. */
    public boolean isInProcess() {
        return backend instanceof InProcessBackend;
    }

    /** The handshake the plugin printed (or the one reattached to). */
    public HandshakeLine handshake() {
        return handshake;
    }

    /**
     * The certificate the plugin announced and must present on every connection, when the host
     * talks to it over AutoMTLS ({@link ClientConfig#autoMtls()}); empty otherwise.
     */
    public java.util.Optional<java.security.cert.X509Certificate> pluginCertificate() {
        return java.util.Optional.ofNullable(tls).map(MutualTls::peerCertificate);
    }

    /** The application protocol version both sides agreed on. */
    public int negotiatedVersion() {
        return handshake.appVersion();
    }

    /**
     * What {@link #reattach} needs to connect to this plugin from another host.
     *
     * @throws IllegalStateException for a plugin served in this JVM: it lives and dies with this client
     */
    public ReattachConfig reattachConfig() {
        if (isInProcess()) {
            throw new IllegalStateException("plugin '" + name + "' is served in-process and cannot be reattached to");
        }
        if (isRemote()) {
            throw new IllegalStateException("plugin '" + name + "' is remote: connect to it with its RemoteConfig");
        }
        return new ReattachConfig(handshake.network(), handshake.address(), pid(), handshake.appVersion());
    }

    /**
     * A client for the plugin type {@code pluginName} of the negotiated version, built on this
     * plugin's connection. Makes no call.
     *
     * @throws IllegalArgumentException when no such plugin type is configured for that version
     * @throws ClassCastException       when the client is not a {@code type}
     */
    public <T> T dispense(String pluginName, Class<T> type) {
        GrpcClientPlugin<?> plugin = plugins.get(pluginName);
        if (plugin == null) {
            throw new IllegalArgumentException("plugin '" + name + "': unknown plugin type \"" + pluginName
                    + "\" for protocol version " + handshake.appVersion() + " (known: " + plugins.keySet() + ")");
        }
        Object client = plugin.client(traced, broker);
        if (!type.isInstance(client)) {
            throw new ClassCastException("plugin '" + name + "': plugin type \"" + pluginName + "\" gives a "
                    + (client == null ? "null" : client.getClass().getName()) + ", not a " + type.getName());
        }
        return type.cast(client);
    }

    /** The connection to the plugin, for clients built by hand; its calls are traced as dispensed clients' are. */
    public Channel channel() {
        return traced;
    }

    /** The broker for callbacks between host and plugin. */
    public GrpcBroker broker() {
        return broker;
    }

    /** Whether the plugin process has exited; true as soon as the operating system says so. */
    public boolean exited() {
        return exit.isDone();
    }

    /** Completes when the plugin process exits, for whatever reason. */
    public CompletableFuture<PluginExit> onExit() {
        return exit.copy();
    }

    /**
     * Checks that the plugin answers its health check ({@code grpc.health.v1.Health} for service
     * {@code plugin}).
     *
     * @throws PluginUnavailableException when it has exited or does not answer within 5 s
     */
    public void ping() {
        ping(HEALTH_TIMEOUT);
    }

    /**
     * Checks that the plugin answers its health check within {@code timeout}.
     *
     * @throws PluginUnavailableException when it has exited or does not answer in time
     */
    public void ping(Duration timeout) {
        if (exited()) {
            throw new PluginUnavailableException(name, "plugin '" + name + "' (" + who() + ") "
                    + exit.join().describe());
        }
        try {
            checkHealth(timeout);
        } catch (PluginUnavailableException e) {
            throw new PluginUnavailableException(name, "plugin '" + name + "' (" + who()
                    + ") does not answer its health check: " + e.getMessage(), e.getCause());
        }
    }

    private void checkHealth(Duration timeout) {
        try {
            HealthCheckResponse response = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .check(HealthCheckRequest.newBuilder().setService("plugin").build());
            if (response.getStatus() != HealthCheckResponse.ServingStatus.SERVING) {
                LOG.warn("plugin '{}' reports health status {}", name, response.getStatus());
            }
        } catch (StatusRuntimeException e) {
            String reason = e.getStatus().getCode()
                    + (e.getStatus().getDescription() != null ? " (" + e.getStatus().getDescription() + ")" : "");
            String tlsFailure = tls != null ? tlsFailure(e) : null;
            // Across a network, why the connection failed (refused, no route, unknown host) is the news.
            Throwable network = tlsFailure == null && isRemote() ? innermost(e.getCause(), c -> c.getMessage() != null)
                    : null;
            String networkFailure = network != null ? network.getMessage() : null;
            throw new PluginUnavailableException(name, reason + (tlsFailure != null ? ": TLS handshake failed: "
                    + tlsFailure : networkFailure != null ? ": " + networkFailure : ""), e);
        }
    }

    /** "pid 4242", or "remote, host:port" for a plugin without a process here. */
    private String who() {
        return isRemote() ? "remote, " + handshake.address() : "pid " + pid();
    }

    /** The innermost TLS error behind a failed call, which says why the peer was not trusted. */
    private static String tlsFailure(Throwable error) {
        Throwable tls = innermost(error, cause -> cause instanceof javax.net.ssl.SSLException
                || cause instanceof CertificateException);
        return tls != null ? tls.getMessage() : null;
    }

    /** The innermost of {@code error} and its causes that {@code which} accepts, or null. */
    private static Throwable innermost(Throwable error, Predicate<Throwable> which) {
        Throwable found = null;
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (which.test(cause)) {
                found = cause;
            }
        }
        return found;
    }

    /**
     * Stops the plugin: closes the broker, asks the plugin to shut down, closes the connection, waits
     * {@link ClientConfig#gracefulTimeout()} for the process to exit, then sends SIGTERM, waits again,
     * then SIGKILL; reaps it and removes its sockets. Idempotent and safe to call from several threads;
     * returns when the plugin is gone.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            closed.join();
            return;
        }
        try {
            ManagedClients.remove(this);
            broker.close();
            stdio.cancel();
            if (!exited() && !isRemote()) {
                requestShutdown(); // a remote plugin serves other hosts too: its operator stops it
            }
            channel.shutdownNow();
            deadline.close();
            if (mux != null) {
                mux.close();
            }
            backend.stop(config.gracefulTimeout());
            removeLeftoverSocket();
        } finally {
            closed.complete(null);
        }
    }

    /** Drops the connection and the broker without a word to the plugin: a start that failed. */
    private void disconnect() {
        channel.shutdownNow();
        deadline.close();
        broker.close();
        if (mux != null) {
            mux.close();
        }
    }

    /** Same as {@link #close()}, under go-plugin's name. */
    public void kill() {
        close();
    }

    /** Stops every plugin started with {@link ClientConfig#managed()} that is still running, in parallel. */
    public static void closeAll() {
        ManagedClients.closeAll();
    }

    private void requestShutdown() {
        try {
            GRPCControllerGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(config.gracefulTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .shutdown(Empty.getDefaultInstance());
        } catch (StatusRuntimeException e) {
            // Go plugins stop their server before the answer leaves: UNAVAILABLE is a clean shutdown.
            LOG.debug("plugin '{}': shutdown request ended with {}", name, e.getStatus());
        }
    }

    /** Plugins killed before they could clean up (and old Go plugins) leave their socket file behind. */
    private void removeLeftoverSocket() {
        if (exited()) {
            HostSockets.removeLeftover(handshake, config);
        }
    }

    private void onExit(PluginExit result) {
        if (!closing.get()) {
            LOG.warn("plugin '{}' ({}) {} unexpectedly", name, who(), result.describe());
            removeLeftoverSocket();
            backend.exitedOnItsOwn();
        }
    }

    private void openBrokerStream() {
        Runner.Launched launched = backend.launched().orElse(null);
        GRPCBrokerGrpc.newStub(channel).startStream(new ClientResponseObserver<ConnInfo, ConnInfo>() {
            private StreamObserver<ConnInfo> inbound;

            @Override
            public void beforeStart(ClientCallStreamObserver<ConnInfo> requestStream) {
                inbound = broker.attach(launched == null ? requestStream
                        : BrokerAddresses.toPlugin(requestStream, launched));
            }

            @Override
            public void onNext(ConnInfo value) {
                inbound.onNext(launched == null ? value : BrokerAddresses.toHost(value, launched, name));
            }

            @Override
            public void onError(Throwable t) {
                inbound.onError(t);
            }

            @Override
            public void onCompleted() {
                inbound.onCompleted();
            }
        });
    }
}
