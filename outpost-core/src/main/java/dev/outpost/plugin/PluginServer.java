package dev.outpost.plugin;

import dev.outpost.internal.grpc.Broker;
import dev.outpost.internal.grpc.CallTracing;
import dev.outpost.grpc.GrpcServerPlugin;
import dev.outpost.internal.grpc.Multiplexer;
import dev.outpost.internal.grpc.MutualTls;
import dev.outpost.internal.grpc.Transport;
import dev.outpost.internal.grpc.UnixSocketDir;
import dev.outpost.internal.wire.AutoMtls;
import dev.outpost.HandshakeConfig;
import dev.outpost.HandshakeLine;
import dev.outpost.Network;
import dev.outpost.internal.wire.PluginEnv;
import dev.outpost.internal.wire.ProtocolVersions;
import dev.outpost.internal.wire.proto.ConnInfo;
import dev.outpost.internal.wire.proto.GRPCBrokerGrpc;
import dev.outpost.internal.wire.proto.GRPCControllerGrpc;
import dev.outpost.internal.wire.proto.Empty;
import dev.outpost.internal.wire.proto.StdioData;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The plugin side: what a plugin's {@code main} calls.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     PluginServer.serve(ServeConfig.builder()
 *             .handshake(HandshakeConfig.of(1, "BASIC_PLUGIN", "hello"))
 *             .plugin("kv", GrpcPlugin.server(new KvService()))
 *             .build());
 * }
 * }</pre>
 */
public final class PluginServer implements AutoCloseable {

    /** Printed on stderr when the program is started without the host's magic cookie. */
    static final String NOT_A_PLUGIN = """
            This program is a plugin: a host application starts it and talks to it.
            Running it by hand does nothing useful. Start the application that uses it instead.""";

    private static final PluginLogger LOG = PluginLogger.named("outpost.plugin");

    private final Server server;
    private final HandshakeLine handshake;
    private final UnixSocketDir sockets;
    private final Broker broker;
    private final StdioCapture stdio;
    private final Multiplexer mux;
    private final long graceMillis;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final AtomicBoolean stopping = new AtomicBoolean();

    PluginServer(Server server, HandshakeLine handshake, UnixSocketDir sockets, Broker broker,
                 StdioCapture stdio, Multiplexer mux, long graceMillis) {
        this.server = server;
        this.handshake = handshake;
        this.sockets = sockets;
        this.broker = broker;
        this.stdio = stdio;
        this.mux = mux;
        this.graceMillis = graceMillis;
    }

    /**
     * Serves the plugin until the host asks it to shut down, then exits the JVM with status 0. Checks
     * the magic cookie first: without it, explains on stderr that this is a plugin and exits with
     * status 1. Exits with status 1 also when the server cannot start, after logging why. Ignores
     * SIGINT (a terminal's Ctrl-C reaches the host, which shuts its plugins down) and exits when the
     * host process is gone, so a plugin never outlives its host.
     *
     * <p>Served remotely ({@link ServeConfig.Builder#remote}, or {@code OUTPOST_SERVE_ADDRESS} with {@code
     * OUTPOST_TLS_CA}, {@code OUTPOST_TLS_CERT} and {@code OUTPOST_TLS_KEY} in the environment, which win),
     * unless a host launched it (its magic cookie is set), it checks no cookie, prints go-plugin's handshake
     * line {@code 1|VERSION|tcp|HOST:PORT|grpc|} with the address hosts dial ({@code
     * OUTPOST_ADVERTISE_ADDRESS} if set, else the listening address, this machine's address for a wildcard
     * one), serves every host that connects until SIGTERM or SIGINT, and then exits with status 0.
     */
    public static void serve(ServeConfig config) {
        // This process is the plugin's own, so this is the place for a JVM-wide setting (a library used by a
        // host never sets one): Netty 4.2 registers JFR events on its first buffer allocation, which loads
        // and initialises about 100 JFR classes that nobody records. Off unless asked for.
        if (System.getProperty(Transport.NETTY_JFR) == null) {
            System.setProperty(Transport.NETTY_JFR, "false");
        }
        PrintStream realOut = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream realErr = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        HandshakeConfig handshake = config.handshake();
        // A host that launched this plugin (its cookie is set) gets it as usual, whatever the environment the
        // plugin inherited from that host says about serving remotely.
        boolean launched = launchedByHost(config, System.getenv());
        RemoteServing remote;
        try {
            remote = launched ? null : RemoteServing.of(config, System.getenv());
        } catch (IllegalArgumentException e) {
            LOG.error("plugin init error", "error", e.getMessage());
            System.exit(1);
            return;
        }
        if (remote != null) {
            remote.serve(config, realOut);
            return;
        }
        if (!launched) {
            realErr.println(NOT_A_PLUGIN);
            System.exit(1);
        }
        // Nothing the plugin prints may reach stdout before the handshake line.
        System.setOut(realErr);
        PluginServer plugin;
        try {
            plugin = start(config, System.getenv());
        } catch (RuntimeException | IOException e) {
            LOG.error("plugin init error", "error", e);
            System.exit(1);
            return;
        }
        // SIGTERM (a service manager stopping the host's whole process group, an operator) ends the JVM
        // without close(): the plugin's sockets, and the socket directory it made, still go. (After a
        // SIGKILL the host's directory, or the temp directory's cleaner, is all that is left.)
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(plugin.sockets), "outpost-plugin-exit"));
        realOut.println(plugin.handshake().format());
        realOut.flush();
        // Logged only now: the first log line loads the JSON writer, and the host waits for the line above.
        LOG.debug("plugin address", "network", plugin.handshake().network().wireName(), "address",
                plugin.handshake().address());
        ignoreInterrupt();
        System.setOut(plugin.stdio.stream(StdioData.Channel.STDOUT));
        System.setErr(plugin.stdio.stream(StdioData.Channel.STDERR));
        HostWatch.start(() -> {
            LOG.warn("host process is gone, shutting down");
            plugin.close();
        });
        plugin.awaitTermination();
        plugin.close();
        Transport.shutdownEventLoops();
        LOG.debug("stopped, exiting");
        System.exit(0);
    }

    /**
     * Starts serving without the process-level duties of {@link #serve} (cookie check, stdout, signals,
     * exit), e.g. to run a plugin inside a test. {@code env} supplies the go-plugin variables.
     *
     * <p>On a Unix socket, the plugin's socket and every broker socket are made directly inside the host's
     * {@code PLUGIN_UNIX_SOCKET_DIR} when it is set (the directory is the host's: only these sockets are
     * removed on close), else in a private 0700 directory of the plugin's own in the temp directory (removed
     * on close). Sockets are 0600, or with {@code PLUGIN_UNIX_SOCKET_GROUP} (a group name or a numeric gid,
     * as go-plugin takes it) 0660 and that group's.
     *
     * <p>With {@link ServeConfig.Builder#remote} (or {@code OUTPOST_SERVE_ADDRESS} in {@code env}), and without
     * the host's magic cookie in {@code env}, it serves remote hosts instead: TCP with the operator's mutual
     * TLS, as {@link #serve} does in that mode.
     *
     * @throws IllegalStateException    when a variable is unusable (no such directory or group, a socket path
     *                                  too long for a Unix socket address), saying which and why
     * @throws IllegalArgumentException when a remote plugin's address or TLS files are unusable, naming them
     */
    public static PluginServer start(ServeConfig config, Map<String, String> env) throws IOException {
        RemoteServing remote = launchedByHost(config, env) ? null : RemoteServing.of(config, env);
        if (remote != null) {
            return remote.start(config, env);
        }
        List<Integer> hostVersions = ProtocolVersions.parse(env.get(PluginEnv.PROTOCOL_VERSIONS),
                item -> LOG.warn("host sent an invalid protocol version", "version", item));
        int version = ProtocolVersions.negotiate(config.versionedPlugins().keySet(), hostVersions);
        UnixSocketDir sockets = config.network() == Network.UNIX ? PluginSockets.socketDir(env) : null;
        Multiplexer mux = null;
        Server server = null;
        try {
            AutoMtls.Identity identity = null;
            MutualTls tls = null;
            String hostCertificate = env.get(PluginEnv.CLIENT_CERT);
            if (hostCertificate != null && !hostCertificate.isEmpty()) {
                // The host asked for AutoMTLS: trust exactly its certificate, answer with our own.
                identity = AutoMtls.generate();
                tls = MutualTls.of(identity, hostCertificate(hostCertificate), "host");
            }
            SocketAddress socket = sockets != null ? PluginSockets.next(sockets, "plugin-") : null;
            // Multiplexed, one connection carries the main gRPC connection and every brokered one.
            if (PluginSockets.multiplexRequested(env.get(PluginEnv.MULTIPLEX_GRPC))) {
                mux = socket != null ? Multiplexer.listen(socket, "the host")
                        : PluginSockets.listenTcp(env, address -> Multiplexer.listen(address, "the host"));
            }
            int maxMessageSize = config.maxMessageSize();
            Broker broker = mux != null
                    ? Broker.multiplexed("plugin", mux, Broker.DEFAULT_DIAL_TIMEOUT, tls, maxMessageSize,
                    config.tracing())
                    : new Broker("plugin", PluginSockets.brokerListeners(sockets), Broker.DEFAULT_DIAL_TIMEOUT,
                    tls, maxMessageSize, config.tracing());
            StdioCapture stdio = new StdioCapture(new FileOutputStream(FileDescriptor.out),
                    new FileOutputStream(FileDescriptor.err));
            CompletableFuture<PluginServer> self = new CompletableFuture<>();
            List<ServerServiceDefinition> services = services(config.versionedPlugins().get(version), broker, stdio,
                    config.tracing(), () -> self.join().closeInBackground());
            MutualTls serverTls = tls;
            SocketAddress listening;
            Set<String> inline = nonBlocking(config, version, services);
            if (mux != null) {
                server = mux.server(null, services, tls, maxMessageSize, inline);
                listening = mux.listenAddress();
            } else if (socket != null) {
                server = Transport.server(socket, services, tls, maxMessageSize, inline);
                listening = socket;
            } else {
                server = PluginSockets.listenTcp(env, address -> Transport.server(address, services, serverTls,
                        maxMessageSize, inline));
                listening = server.getListenSockets().get(0);
            }
            HandshakeLine line;
            if (listening instanceof DomainSocketAddress unix) {
                sockets.restrict(Path.of(unix.path()));
                line = HandshakeLine.grpc(version, Network.UNIX, unix.path());
            } else {
                line = HandshakeLine.grpc(version, Network.TCP, "127.0.0.1:" + ((InetSocketAddress) listening).getPort());
            }
            if (identity != null) {
                line = line.withServerCert(identity.certificateDer());
            }
            String multiplex = env.get(PluginEnv.MULTIPLEX_GRPC);
            if (multiplex != null && !multiplex.isEmpty()) {
                // This plugin can multiplex; the 7th field goes only to a host that announced it reads one
                // (older hosts split the line in six). Any non-empty value is answered so, as go-plugin does.
                line = new HandshakeLine(line.coreVersion(), line.appVersion(), line.network(), line.address(),
                        line.protocol(), line.serverCert(), Optional.of(true));
            }
            PluginServer plugin = new PluginServer(server, line, sockets, broker, stdio, mux,
                    config.shutdownGrace().toMillis());
            self.complete(plugin);
            if (mux != null) {
                // The host's one connection is the plugin's life, as in go-plugin: when it ends, so does the plugin.
                mux.onClose().whenComplete((ignored, error) -> {
                    if (error != null && !plugin.stopping.get()) {
                        LOG.warn("multiplexed connection ended, shutting down", "error", error.getMessage());
                    }
                    plugin.closeInBackground();
                });
            }
            return plugin;
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.shutdownNow();
            }
            if (mux != null) {
                mux.close();
            }
            closeQuietly(sockets);
            throw e;
        }
    }

    /** Whether {@code env} holds the host's magic cookie: a host launched this plugin to serve it. */
    private static boolean launchedByHost(ServeConfig config, Map<String, String> env) {
        return config.handshake().magicCookieValue().equals(env.get(config.handshake().magicCookieKey()));
    }

    /**
     * {@link ServeConfig#nonBlocking()}, each checked against the methods the plugin serves, and what its plugin
     * types of {@code version} name themselves ({@link GrpcServerPlugin#nonBlocking()}).
     */
    static Set<String> nonBlocking(ServeConfig config, int version, List<ServerServiceDefinition> services) {
        Set<String> served = new java.util.TreeSet<>();
        services.forEach(service -> service.getMethods()
                .forEach(method -> served.add(method.getMethodDescriptor().getFullMethodName())));
        for (String name : config.nonBlocking()) {
            if (!served.contains(name)) {
                throw new IllegalArgumentException("ServeConfig.nonBlocking names " + name + ", which no service of "
                        + "the plugin has; its methods: " + served);
            }
        }
        Set<String> all = new java.util.TreeSet<>(config.nonBlocking());
        config.versionedPlugins().get(version).values().forEach(plugin -> all.addAll(plugin.nonBlocking()));
        return Set.copyOf(all);
    }

    private static X509Certificate hostCertificate(String pem) {
        try {
            return AutoMtls.parsePem(pem);
        } catch (CertificateException e) {
            throw new IllegalStateException(PluginEnv.CLIENT_CERT + " holds no valid certificate: " + e.getMessage(), e);
        }
    }

    /**
     * go-plugin's services (health, broker, controller, stdio) and the plugins', of which only the plugins'
     * are traced: the others are the connection's plumbing, and a span per health check is noise.
     */
    static List<ServerServiceDefinition> services(Map<String, GrpcServerPlugin> plugins, Broker broker,
                                                  StdioCapture stdio, CallTracing tracing, Runnable shutdown) {
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus("plugin", ServingStatus.SERVING);
        List<ServerServiceDefinition> services = new ArrayList<>();
        services.add(health.getHealthService().bindService());
        services.add(new GRPCBrokerGrpc.GRPCBrokerImplBase() {
            @Override
            public StreamObserver<ConnInfo> startStream(StreamObserver<ConnInfo> responseObserver) {
                return broker.attach(responseObserver);
            }
        }.bindService());
        services.add(new GRPCControllerGrpc.GRPCControllerImplBase() {
            @Override
            public void shutdown(Empty request, StreamObserver<Empty> responseObserver) {
                LOG.debug("shutdown requested by the host");
                responseObserver.onNext(Empty.getDefaultInstance());
                responseObserver.onCompleted();
                shutdown.run();
            }
        }.bindService());
        services.add(stdio.bindService());
        plugins.forEach((name, plugin) -> {
            try {
                services.addAll(tracing.intercept(plugin.services(broker)));
            } catch (RuntimeException e) {
                throw new IllegalStateException("error registering plugin \"" + name + "\": " + e.getMessage(), e);
            }
        });
        return services;
    }

    /** {@link #close()} on a thread of its own: the caller (a call's handler, an event loop) must not wait. */
    private void closeInBackground() {
        Thread stopper = new Thread(this::close, "outpost-shutdown");
        stopper.setDaemon(true);
        stopper.start();
    }

    /** The line to print for the host. */
    public HandshakeLine handshake() {
        return handshake;
    }

    /** Blocks until the server has stopped. */
    public void awaitTermination() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Completes once the server has stopped, whoever stopped it ({@link #close()}, or the host's
     * shutdown request); completing it does not affect the server.
     */
    public CompletableFuture<Void> onTermination() {
        return terminated.copy();
    }

    /**
     * Stops serving: ends the host's streams, stops listening and removes its sockets (and its own socket
     * directory, not the host's), then lets in-flight calls finish within the grace period. Idempotent;
     * concurrent callers return once it is done.
     */
    @Override
    public void close() {
        if (!stopping.compareAndSet(false, true)) {
            awaitTermination();
            return;
        }
        try {
            stdio.close();
            broker.close();
            server.shutdown();
            // Nothing connects any more: the sockets go now, not after the grace period, so that a host that
            // kills a plugin slow to finish its calls (go-plugin waits 2 s) finds nothing of it left.
            closeQuietly(sockets);
            if (!server.awaitTermination(graceMillis, TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
                server.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            if (mux != null) {
                mux.close();
            }
            closeQuietly(sockets);
            // Completed before the latch opens: whoever returns from close() or awaitTermination() sees it.
            terminated.complete(null);
            stopped.countDown();
        }
    }

    private static void closeQuietly(UnixSocketDir sockets) {
        if (sockets != null) {
            sockets.close();
        }
    }

    @SuppressWarnings("sunapi")
    private static void ignoreInterrupt() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), sun.misc.SignalHandler.SIG_IGN);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.debug("cannot ignore SIGINT", "error", e.getMessage());
        }
    }
}
