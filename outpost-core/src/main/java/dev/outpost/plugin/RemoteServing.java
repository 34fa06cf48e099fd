package dev.outpost.plugin;

import dev.outpost.HandshakeLine;
import dev.outpost.Network;
import dev.outpost.TlsFiles;
import dev.outpost.internal.grpc.Broker;
import dev.outpost.internal.grpc.MutualTls;
import dev.outpost.internal.grpc.TcpAddress;
import dev.outpost.internal.grpc.Transport;
import dev.outpost.internal.wire.PluginEnv;
import dev.outpost.internal.wire.ProtocolVersions;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A plugin served on a TCP address to hosts elsewhere ({@link ServeConfig.Builder#remote}): mutual TLS
 * from the operator's files, no magic cookie, no host process to watch. Hosts come and go: a host's
 * shutdown request is answered and ignored (the plugin is stopped by its operator, with SIGTERM), and
 * each host's connection is its own. The broker has nowhere to listen that a remote host could reach,
 * so brokered servers are refused, saying so.
 *
 * @param listen    where to listen
 * @param tls       the operator's files
 * @param advertise the address to print, or null for the listening one
 */
record RemoteServing(TcpAddress listen, TlsFiles tls, String advertise) {

    /** {@code host:port} to listen on; set, the plugin serves remotely. */
    static final String ADDRESS = "OUTPOST_SERVE_ADDRESS";
    static final String CA = "OUTPOST_TLS_CA";
    static final String CERT = "OUTPOST_TLS_CERT";
    static final String KEY = "OUTPOST_TLS_KEY";
    /** The address to print instead of the listening one, e.g. a Kubernetes Service's name and port. */
    static final String ADVERTISE = "OUTPOST_ADVERTISE_ADDRESS";

    private static final PluginLogger LOG = PluginLogger.named("outpost.plugin");

    /**
     * How {@code config} serves remotely under {@code env}: the environment's settings when {@link #ADDRESS}
     * is set, else the config's; null when neither asks for it.
     *
     * @throws IllegalArgumentException naming the variable, when one is missing or wrong
     */
    static RemoteServing of(ServeConfig config, Map<String, String> env) {
        String address = env.get(ADDRESS);
        String advertise = blankToNull(env.get(ADVERTISE));
        if (advertise != null) {
            try {
                TcpAddress.parse(advertise, false);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ADVERTISE + ": " + e.getMessage(), e);
            }
        }
        if (address != null && !address.isBlank()) {
            TcpAddress listen;
            try {
                listen = TcpAddress.parse(address, true);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ADDRESS + ": " + e.getMessage(), e);
            }
            return new RemoteServing(listen, new TlsFiles(path(env, CA), path(env, CERT), path(env, KEY)), advertise);
        }
        if (config.remoteAddress() == null) {
            return null;
        }
        return new RemoteServing(TcpAddress.parse(config.remoteAddress(), true), config.remoteTls(), advertise);
    }

    private static Path path(Map<String, String> env, String name) {
        String value = blankToNull(env.get(name));
        if (value == null) {
            throw new IllegalArgumentException(ADDRESS + " is set, so " + name + " must name a PEM file; it is "
                    + (env.containsKey(name) ? "empty" : "not set") + " (a remote plugin serves mutual TLS only)");
        }
        return Path.of(value);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    /**
     * {@link PluginServer#serve} for remote hosts: no cookie to check and no host to watch; the handshake line is
     * printed for the operator (and a host's {@code RemoteConfig}), the plugin's output stays on its own
     * stdout and stderr, and SIGTERM or SIGINT stop it gracefully.
     */
    void serve(ServeConfig config, java.io.PrintStream realOut) {
        PluginServer plugin;
        try {
            plugin = start(config, System.getenv());
        } catch (RuntimeException | IOException e) {
            LOG.error("plugin init error", "error", e.getMessage());
            System.exit(1);
            return;
        }
        realOut.println(plugin.handshake().format());
        realOut.flush();
        stopOn("TERM", plugin);
        stopOn("INT", plugin);
        plugin.awaitTermination();
        Transport.shutdownEventLoops();
        System.exit(0);
    }

    /**
     * Closes {@code plugin} on signal {@code name}, so that {@code serve} exits with status 0 once in-flight
     * calls are done (a JVM that a signal ends exits with 128 + its number, having waited for nothing).
     */
    @SuppressWarnings("sunapi")
    private static void stopOn(String name, PluginServer plugin) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                LOG.info("stopping on SIG" + name);
                plugin.close();
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.debug("cannot handle SIG" + name, "error", e.getMessage());
        }
    }

    /** Starts serving; the handshake line gives the address a host dials. */
    PluginServer start(ServeConfig config, Map<String, String> env) throws IOException {
        List<Integer> hostVersions = ProtocolVersions.parse(env.get(PluginEnv.PROTOCOL_VERSIONS),
                item -> LOG.warn("invalid protocol version in " + PluginEnv.PROTOCOL_VERSIONS, "version", item));
        int version = ProtocolVersions.negotiate(config.versionedPlugins().keySet(), hostVersions);
        MutualTls mtls = MutualTls.fromFiles(tls, listen.host());
        int maxMessageSize = config.maxMessageSize();
        Broker broker = new Broker("plugin", () -> {
            throw new IllegalStateException("this plugin is served remotely: the broker cannot listen where its "
                    + "host could dial it (callbacks and brokered servers need a plugin the host launched)");
        }, Broker.DEFAULT_DIAL_TIMEOUT, mtls, maxMessageSize, config.tracing());
        // Nothing is captured: a remote plugin's output goes to its own stdout and stderr, its container's log.
        StdioCapture stdio = new StdioCapture(new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err));
        List<ServerServiceDefinition> services = PluginServer.services(config.versionedPlugins().get(version),
                broker, stdio, config.tracing(), () -> LOG.info("a host asked this remote plugin to shut down; "
                        + "it keeps serving (its operator stops it)"));
        Server server = Transport.server(new InetSocketAddress(listen.host(), listen.port()), services, mtls,
                maxMessageSize, PluginServer.nonBlocking(config, version, services));
        int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
        String address = advertise != null ? advertise : new TcpAddress(printedHost(), port).toString();
        HandshakeLine line = HandshakeLine.grpc(version, Network.TCP, address);
        LOG.info("serving remotely", "listen", new TcpAddress(listen.host(), port).toString(), "address", address);
        return new PluginServer(server, line, null, broker, stdio, null, config.shutdownGrace().toMillis());
    }

    /** The listening host, or for a wildcard this machine's address: 0.0.0.0 is nowhere to dial. */
    private String printedHost() {
        if (!listen.wildcard()) {
            return listen.host();
        }
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (UnknownHostException e) {
            return listen.host();
        }
    }
}
