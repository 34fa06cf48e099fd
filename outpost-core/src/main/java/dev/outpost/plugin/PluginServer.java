package dev.outpost.plugin;

import dev.outpost.grpc.GrpcBroker;
import dev.outpost.grpc.GrpcPlugin;
import dev.outpost.grpc.Multiplexer;
import dev.outpost.grpc.MutualTls;
import dev.outpost.grpc.Transport;
import dev.outpost.grpc.UnixSocketDir;
import dev.outpost.wire.AutoMtls;
import dev.outpost.wire.HandshakeConfig;
import dev.outpost.wire.HandshakeLine;
import dev.outpost.wire.Network;
import dev.outpost.wire.PluginEnv;
import dev.outpost.wire.ProtocolVersions;
import dev.outpost.wire.proto.ConnInfo;
import dev.outpost.wire.proto.GRPCBrokerGrpc;
import dev.outpost.wire.proto.GRPCControllerGrpc;
import dev.outpost.wire.proto.Empty;
import dev.outpost.wire.proto.StdioData;
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
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    private final GrpcBroker broker;
    private final StdioCapture stdio;
    private final Multiplexer mux;
    private final long graceMillis;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final AtomicBoolean stopping = new AtomicBoolean();

    private PluginServer(Server server, HandshakeLine handshake, UnixSocketDir sockets, GrpcBroker broker,
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
     */
    public static void serve(ServeConfig config) {
        PrintStream realOut = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream realErr = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        HandshakeConfig handshake = config.handshake();
        if (!handshake.magicCookieValue().equals(System.getenv(handshake.magicCookieKey()))) {
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
        realOut.println(plugin.handshake().format());
        realOut.flush();
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
     * @throws IllegalStateException when a variable is unusable (no such directory or group, a socket path
     *                               too long for a Unix socket address), saying which and why
     */
    public static PluginServer start(ServeConfig config, Map<String, String> env) throws IOException {
        List<Integer> hostVersions = ProtocolVersions.parse(env.get(PluginEnv.PROTOCOL_VERSIONS),
                item -> LOG.warn("host sent an invalid protocol version", "version", item));
        int version = ProtocolVersions.negotiate(config.versionedPlugins().keySet(), hostVersions);
        UnixSocketDir sockets = config.network() == Network.UNIX ? socketDir(env) : null;
        try {
            return start(config, env, version, sockets);
        } catch (IOException | RuntimeException e) {
            closeQuietly(sockets);
            throw e;
        }
    }

    private static PluginServer start(ServeConfig config, Map<String, String> env, int version,
                                      UnixSocketDir sockets) throws IOException {
        SocketAddress listenAddress = sockets != null ? nextSocket(sockets, "plugin-") : null;
        AutoMtls.Identity identity = null;
        MutualTls tls = null;
        String hostCertificate = env.get(PluginEnv.CLIENT_CERT);
        if (hostCertificate != null && !hostCertificate.isEmpty()) {
            try {
                // The host asked for AutoMTLS: trust exactly its certificate, answer with our own.
                X509Certificate host = AutoMtls.parsePem(hostCertificate);
                identity = AutoMtls.generate();
                tls = MutualTls.of(identity, host, "host");
            } catch (CertificateException e) {
                throw new IllegalStateException(PluginEnv.CLIENT_CERT + " holds no valid certificate: "
                        + e.getMessage(), e);
            }
        }
        // The host asked for multiplexing: one connection, whose streams are the main connection and every
        // brokered one. Any other non-empty value is still answered "true" (this plugin can), as go-plugin does.
        Multiplexer mux = null;
        if (multiplexRequested(env.get(PluginEnv.MULTIPLEX_GRPC))) {
            mux = sockets != null ? Multiplexer.listen(listenAddress, "the host")
                    : listenTcp(env, address -> Multiplexer.listen(address, "the host"));
        }
        GrpcBroker broker = mux != null
                ? GrpcBroker.multiplexed("plugin", mux, GrpcBroker.DEFAULT_DIAL_TIMEOUT, tls, config.maxMessageSize())
                : new GrpcBroker("plugin", brokerListeners(sockets), GrpcBroker.DEFAULT_DIAL_TIMEOUT, tls,
                config.maxMessageSize());
        try {
            return start(config, env, version, sockets, listenAddress, identity, tls, mux, broker);
        } catch (IOException | RuntimeException e) {
            if (mux != null) {
                mux.close();
            }
            throw e;
        }
    }

    private static PluginServer start(ServeConfig config, Map<String, String> env, int version, UnixSocketDir sockets,
                                      SocketAddress listenAddress, AutoMtls.Identity identity, MutualTls tls,
                                      Multiplexer mux, GrpcBroker broker) throws IOException {
        Map<String, GrpcPlugin<?>> plugins = config.versionedPlugins().get(version);
        StdioCapture stdio = new StdioCapture(new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err));

        HealthStatusManager health = new HealthStatusManager();
        health.setStatus("plugin", ServingStatus.SERVING);
        PluginServer[] self = new PluginServer[1];
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
                Thread stopper = new Thread(() -> self[0].close(), "outpost-shutdown");
                stopper.setDaemon(true);
                stopper.start();
            }
        }.bindService());
        services.add(stdio.bindService());
        plugins.forEach((name, plugin) -> {
            try {
                services.addAll(plugin.services(broker));
            } catch (RuntimeException e) {
                throw new IllegalStateException("error registering plugin \"" + name + "\": " + e.getMessage(), e);
            }
        });

        Server server;
        HandshakeLine line;
        if (mux != null) {
            server = mux.server(null, services, tls, config.maxMessageSize());
            SocketAddress bound = mux.listenAddress();
            if (bound instanceof DomainSocketAddress unix) {
                sockets.restrict(Path.of(unix.path()));
                line = HandshakeLine.grpc(version, Network.UNIX, unix.path());
            } else {
                line = HandshakeLine.grpc(version, Network.TCP, "127.0.0.1:" + ((InetSocketAddress) bound).getPort());
            }
        } else if (sockets != null) {
            server = Transport.server(listenAddress, services, tls, config.maxMessageSize());
            Path socket = Path.of(((DomainSocketAddress) listenAddress).path());
            try {
                sockets.restrict(socket);
            } catch (IOException | RuntimeException e) {
                server.shutdownNow();
                throw e;
            }
            line = HandshakeLine.grpc(version, Network.UNIX, socket.toString());
        } else {
            server = listenTcp(env, address -> Transport.server(address, services, tls, config.maxMessageSize()));
            int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
            line = HandshakeLine.grpc(version, Network.TCP, "127.0.0.1:" + port);
        }
        if (identity != null) {
            line = line.withServerCert(identity.certificateDer());
        }
        String multiplex = env.get(PluginEnv.MULTIPLEX_GRPC);
        if (multiplex != null && !multiplex.isEmpty()) {
            // The 7th field only for a host that announced it reads one (older hosts split the line in six).
            line = new HandshakeLine(line.coreVersion(), line.appVersion(), line.network(), line.address(),
                    line.protocol(), line.serverCert(), Optional.of(true));
        }
        PluginServer plugin = new PluginServer(server, line, sockets, broker, stdio, mux,
                config.shutdownGrace().toMillis());
        self[0] = plugin;
        if (mux != null) {
            // The host's one connection is the plugin's life, as in go-plugin: when it ends, so does the plugin.
            mux.onClose().whenComplete((ignored, error) -> {
                if (error != null && !plugin.stopping.get()) {
                    LOG.warn("multiplexed connection ended, shutting down", "error", error.getMessage());
                }
                Thread stopper = new Thread(plugin::close, "outpost-shutdown");
                stopper.setDaemon(true);
                stopper.start();
            });
        }
        LOG.debug("plugin address", "network", line.network().wireName(), "address", line.address());
        return plugin;
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
     * Stops serving: ends the host's streams, lets in-flight calls finish within the grace period,
     * then removes its sockets (and its own socket directory, not the host's). Idempotent; concurrent
     * callers return once it is done.
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

    /**
     * The directory for the plugin's sockets: the host's {@code PLUGIN_UNIX_SOCKET_DIR} as it is (go-plugin
     * 1.5+ and Outpost hosts make one per plugin and remove it), else a private one in the temp directory.
     */
    private static UnixSocketDir socketDir(Map<String, String> env) {
        String dir = env.get(PluginEnv.UNIX_SOCKET_DIR);
        String group = env.get(PluginEnv.UNIX_SOCKET_GROUP);
        boolean given = dir != null && !dir.isEmpty();
        try {
            return given ? UnixSocketDir.shared(Path.of(dir), group)
                    : UnixSocketDir.createPrivate(Path.of(System.getProperty("java.io.tmpdir")), group);
        } catch (UserPrincipalNotFoundException e) {
            throw new IllegalStateException(PluginEnv.UNIX_SOCKET_GROUP + "=" + group + " names no group of this "
                    + "system; expected a group name or a numeric gid");
        } catch (IOException e) {
            throw new IllegalStateException(given ? PluginEnv.UNIX_SOCKET_DIR + "=" + dir + " cannot hold the "
                    + "plugin's sockets: " + e.getMessage() : "cannot make a socket directory in "
                    + System.getProperty("java.io.tmpdir") + ": " + e.getMessage(), e);
        }
    }

    private static SocketAddress nextSocket(UnixSocketDir sockets, String prefix) {
        try {
            return sockets.next(prefix);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "; set " + PluginEnv.UNIX_SOCKET_DIR
                    + " or TMPDIR to a shorter directory", e);
        }
    }

    /** Broker sockets go beside the plugin's own and get its mode and group; loopback TCP without Unix sockets. */
    private static GrpcBroker.Listeners brokerListeners(UnixSocketDir sockets) {
        if (sockets == null) {
            return () -> new InetSocketAddress("127.0.0.1", 0);
        }
        return new GrpcBroker.Listeners() {
            @Override
            public SocketAddress next() {
                return nextSocket(sockets, "broker-");
            }

            @Override
            public void listening(SocketAddress address) throws IOException {
                sockets.restrict(Path.of(((DomainSocketAddress) address).path()));
            }
        };
    }

    private static void closeQuietly(UnixSocketDir sockets) {
        if (sockets != null) {
            sockets.close();
        }
    }

    /** Something that listens on a TCP address: a gRPC server, or the multiplexed connection's listener. */
    @FunctionalInterface
    private interface TcpListener<T> {
        T listen(InetSocketAddress address) throws IOException;
    }

    /** The first port of {@code PLUGIN_MIN_PORT}..{@code PLUGIN_MAX_PORT} that {@code listener} can bind. */
    private static <T> T listenTcp(Map<String, String> env, TcpListener<T> listener) throws IOException {
        int min = parsePort(env, PluginEnv.MIN_PORT);
        int max = parsePort(env, PluginEnv.MAX_PORT);
        if (min > max) {
            throw new IllegalStateException(PluginEnv.MIN_PORT + " value of " + min + " is greater than "
                    + PluginEnv.MAX_PORT + " value of " + max);
        }
        IOException last = null;
        for (int port = min; port <= max; port++) {
            try {
                return listener.listen(new InetSocketAddress("127.0.0.1", port));
            } catch (IOException e) {
                if (!(e instanceof BindException) && !(e.getCause() instanceof BindException)) {
                    throw e;
                }
                last = e;
            }
        }
        throw new IOException("no free TCP port between " + min + " and " + max, last);
    }

    /** Go's {@code strconv.ParseBool} true, as go-plugin reads {@code PLUGIN_MULTIPLEX_GRPC}. */
    static boolean multiplexRequested(String value) {
        return value != null && switch (value) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            default -> false;
        };
    }

    private static int parsePort(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isEmpty()) {
            return 0;
        }
        try {
            int port = Integer.parseInt(value.strip());
            if (port < 0 || port > 65535) {
                throw new NumberFormatException("out of range");
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalStateException("couldn't get value from " + name + ": \"" + value + "\" is not a port");
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
