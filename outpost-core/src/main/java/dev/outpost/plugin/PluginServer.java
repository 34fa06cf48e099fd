package dev.outpost.plugin;

import dev.outpost.grpc.GrpcBroker;
import dev.outpost.grpc.GrpcPlugin;
import dev.outpost.grpc.MutualTls;
import dev.outpost.grpc.Transport;
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
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

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

    /** A Unix socket path longer than this does not fit in {@code sockaddr_un}. */
    private static final int MAX_SOCKET_PATH = 107;

    private static final PluginLogger LOG = PluginLogger.named("outpost.plugin");

    private final Server server;
    private final HandshakeLine handshake;
    private final Path socketDir;
    private final GrpcBroker broker;
    private final StdioCapture stdio;
    private final long graceMillis;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final AtomicBoolean stopping = new AtomicBoolean();

    private PluginServer(Server server, HandshakeLine handshake, Path socketDir, GrpcBroker broker, StdioCapture stdio,
                         long graceMillis) {
        this.server = server;
        this.handshake = handshake;
        this.socketDir = socketDir;
        this.broker = broker;
        this.stdio = stdio;
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
     */
    public static PluginServer start(ServeConfig config, Map<String, String> env) throws IOException {
        List<Integer> hostVersions = ProtocolVersions.parse(env.get(PluginEnv.PROTOCOL_VERSIONS),
                item -> LOG.warn("host sent an invalid protocol version", "version", item));
        int version = ProtocolVersions.negotiate(config.versionedPlugins().keySet(), hostVersions);
        Map<String, GrpcPlugin<?>> plugins = config.versionedPlugins().get(version);

        Path socketDir = null;
        SocketAddress listenAddress;
        AtomicInteger brokerSockets = new AtomicInteger();
        if (config.network() == Network.UNIX) {
            socketDir = createSocketDir(env.get(PluginEnv.UNIX_SOCKET_DIR));
            listenAddress = socketAddress(socketDir.resolve("plugin.sock"));
        } else {
            listenAddress = null;
        }
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
                deleteRecursively(socketDir);
                throw new IllegalStateException(PluginEnv.CLIENT_CERT + " holds no valid certificate: "
                        + e.getMessage(), e);
            }
        }
        Path brokerDir = socketDir;
        GrpcBroker broker = new GrpcBroker("plugin", () -> brokerDir != null
                ? socketAddress(brokerDir.resolve("broker-" + brokerSockets.incrementAndGet() + ".sock"))
                : new InetSocketAddress("127.0.0.1", 0), GrpcBroker.DEFAULT_DIAL_TIMEOUT, tls);
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
        try {
            if (config.network() == Network.UNIX) {
                server = Transport.server(listenAddress, services, tls);
                Path socket = Path.of(((DomainSocketAddress) listenAddress).path());
                restrictSocket(socket, env.get(PluginEnv.UNIX_SOCKET_GROUP));
                line = HandshakeLine.grpc(version, Network.UNIX, socket.toString());
            } else {
                server = listenTcp(env, services, tls);
                int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
                line = HandshakeLine.grpc(version, Network.TCP, "127.0.0.1:" + port);
            }
        } catch (IOException | RuntimeException e) {
            deleteRecursively(socketDir);
            throw e;
        }
        if (identity != null) {
            line = line.withServerCert(identity.certificateDer());
        }
        if (env.containsKey(PluginEnv.MULTIPLEX_GRPC) && !env.get(PluginEnv.MULTIPLEX_GRPC).isEmpty()) {
            // Answer "false" so a multiplexing host fails with its clearest message.
            line = new HandshakeLine(line.coreVersion(), line.appVersion(), line.network(), line.address(),
                    line.protocol(), line.serverCert(), Optional.of(false));
        }
        PluginServer plugin = new PluginServer(server, line, socketDir, broker, stdio,
                config.shutdownGrace().toMillis());
        self[0] = plugin;
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
     * then removes the socket directory. Idempotent; concurrent callers return once it is done.
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
            deleteRecursively(socketDir);
            // Completed before the latch opens: whoever returns from close() or awaitTermination() sees it.
            terminated.complete(null);
            stopped.countDown();
        }
    }

    private static Path createSocketDir(String base) throws IOException {
        Path parent = base != null && !base.isEmpty() ? Path.of(base) : Path.of(System.getProperty("java.io.tmpdir"));
        // createTempDirectory gives 0700 on POSIX: only this user can reach the socket.
        return Files.createTempDirectory(parent, "outpost-");
    }

    private static SocketAddress socketAddress(Path path) {
        String text = path.toAbsolutePath().toString();
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new IllegalStateException("socket path " + text + " is longer than " + MAX_SOCKET_PATH
                    + " bytes; set " + PluginEnv.UNIX_SOCKET_DIR + " or TMPDIR to a shorter directory");
        }
        return new DomainSocketAddress(text);
    }

    private static void restrictSocket(Path socket, String group) throws IOException {
        if (group == null || group.isEmpty()) {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            return;
        }
        GroupPrincipal principal = socket.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByGroupName(group);
        Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(principal);
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwxrwx---"));
        Files.getFileAttributeView(socket.getParent(), PosixFileAttributeView.class).setGroup(principal);
    }

    private static Server listenTcp(Map<String, String> env, List<ServerServiceDefinition> services, MutualTls tls)
            throws IOException {
        int min = parsePort(env, PluginEnv.MIN_PORT);
        int max = parsePort(env, PluginEnv.MAX_PORT);
        if (min > max) {
            throw new IllegalStateException(PluginEnv.MIN_PORT + " value of " + min + " is greater than "
                    + PluginEnv.MAX_PORT + " value of " + max);
        }
        IOException last = null;
        for (int port = min; port <= max; port++) {
            try {
                return Transport.server(new InetSocketAddress("127.0.0.1", port), services, tls);
            } catch (IOException e) {
                if (!(e instanceof BindException) && !(e.getCause() instanceof BindException)) {
                    throw e;
                }
                last = e;
            }
        }
        throw new IOException("no free TCP port between " + min + " and " + max, last);
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

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("cannot remove socket directory", "dir", dir, "error", e.getMessage());
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
