package dev.outpost.plugin;

import dev.outpost.internal.grpc.Broker;
import dev.outpost.internal.grpc.UnixSocketDir;
import dev.outpost.internal.wire.PluginEnv;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Map;

/**
 * Where a plugin listens, from the variables its host gave it: the socket directory and group, the
 * TCP port range, and whether it multiplexes.
 */
final class PluginSockets {

    private PluginSockets() {
    }

    /**
     * The directory for the plugin's sockets: the host's {@code PLUGIN_UNIX_SOCKET_DIR} as it is (go-plugin
     * 1.5+ and Outpost hosts make one per plugin and remove it), else a private one in the temp directory.
     */
    static UnixSocketDir socketDir(Map<String, String> env) {
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

    /** A fresh socket address in {@code sockets}; a path too long for a socket says which variable to change. */
    static SocketAddress next(UnixSocketDir sockets, String prefix) {
        try {
            return sockets.next(prefix);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "; set " + PluginEnv.UNIX_SOCKET_DIR
                    + " or TMPDIR to a shorter directory", e);
        }
    }

    /** Broker sockets go beside the plugin's own and get its mode and group; loopback TCP without Unix sockets. */
    static Broker.Listeners brokerListeners(UnixSocketDir sockets) {
        if (sockets == null) {
            return () -> new InetSocketAddress("127.0.0.1", 0);
        }
        return new Broker.Listeners() {
            @Override
            public SocketAddress next() {
                return PluginSockets.next(sockets, "broker-");
            }

            @Override
            public void listening(SocketAddress address) throws IOException {
                sockets.restrict(Path.of(((DomainSocketAddress) address).path()));
            }
        };
    }

    /** Something that listens on a TCP address: a gRPC server, or the multiplexed connection's listener. */
    @FunctionalInterface
    interface TcpListener<T> {
        T listen(InetSocketAddress address) throws IOException;
    }

    /** The first port of {@code PLUGIN_MIN_PORT}..{@code PLUGIN_MAX_PORT} that {@code listener} can bind. */
    static <T> T listenTcp(Map<String, String> env, TcpListener<T> listener) throws IOException {
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
}
