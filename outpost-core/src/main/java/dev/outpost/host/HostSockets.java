package dev.outpost.host;

import dev.outpost.internal.grpc.Broker;
import dev.outpost.PluginStartException;
import dev.outpost.internal.grpc.UnixSocketDir;
import dev.outpost.HandshakeLine;
import dev.outpost.Network;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's share of a plugin's Unix sockets: the private directory made for each start (given to the
 * plugin as {@code PLUGIN_UNIX_SOCKET_DIR}), and the host's own broker listeners inside it.
 */
final class HostSockets {

    private static final Logger LOG = LoggerFactory.getLogger(HostSockets.class);

    private HostSockets() {
    }

    /**
     * A fresh private directory for one start of the plugin, inside {@link ClientConfig#unixSocketDir()}
     * or {@code java.io.tmpdir}, given to {@link ClientConfig#unixSocketGroup()} if set.
     *
     * @param who the plugin as errors name it, e.g. {@code plugin 'kv'}
     * @throws PluginStartException when the configured directory is missing or too long, the group unknown,
     *                              or the directory cannot be made; nothing is left behind
     */
    static UnixSocketDir create(ClientConfig config, String who) {
        Path parent = config.unixSocketDir().orElse(Path.of(System.getProperty("java.io.tmpdir")));
        String group = config.unixSocketGroup().orElse(null);
        String where = config.unixSocketDir().isPresent() ? "unixSocketDir " + parent : "java.io.tmpdir " + parent;
        if (!Files.isDirectory(parent)) {
            throw failure(config, who + ": " + where + (Files.exists(parent) ? " is not a directory"
                    : " does not exist") + "; the plugin's socket directory is made inside it", null);
        }
        UnixSocketDir dir;
        try {
            dir = UnixSocketDir.createPrivate(parent, group);
        } catch (UserPrincipalNotFoundException e) {
            throw failure(config, who + ": unixSocketGroup \"" + group + "\" names no group of this system; "
                    + "expected a group name or a numeric gid", e);
        } catch (IOException e) {
            throw failure(config, who + ": cannot make a socket directory in " + where + ": " + e.getMessage(), e);
        }
        if (!dir.hasRoomForSockets()) {
            String problem = who + ": socket paths in " + dir.path() + " would not fit in the "
                    + UnixSocketDir.MAX_SOCKET_PATH + " bytes of a Unix socket address";
            if (config.unixSocketDir().isPresent()) {
                dir.close();
                throw failure(config, problem + "; choose a shorter unixSocketDir than " + parent, null);
            }
            // A plugin on TCP still works; one on a Unix socket will say why it cannot listen.
            LOG.warn("{}; set unixSocketDir or java.io.tmpdir to a shorter directory", problem);
        }
        return dir;
    }

    /**
     * Where the host's broker servers listen: beside the plugin's sockets, with their mode and group, or on
     * loopback TCP when the plugin speaks TCP or the host has no socket directory (reattached).
     */
    static Broker.Listeners brokerListeners(UnixSocketDir dir, boolean tcp) {
        if (dir == null || tcp) {
            return () -> new InetSocketAddress("127.0.0.1", 0);
        }
        return new Broker.Listeners() {
            @Override
            public SocketAddress next() {
                return dir.next("host-");
            }

            @Override
            public void listening(SocketAddress address) throws IOException {
                dir.restrict(Path.of(((DomainSocketAddress) address).path()));
            }
        };
    }

    /**
     * Removes the socket file a plugin that is gone left behind, when go-plugin made it: plugins before
     * go-plugin 1.5 ignore {@code PLUGIN_UNIX_SOCKET_DIR} and listen on {@code plugin<digits>} in their
     * {@code TMPDIR}, and a killed plugin never removes it. Only that name in that directory: the host
     * never deletes a path just because a plugin named it. Sockets in the plugin's private directory go
     * with the directory.
     */
    static void removeLeftover(HandshakeLine handshake, ClientConfig config) {
        goPluginSocket(handshake, config).ifPresent(socket -> {
            try {
                if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && Files.readAttributes(socket,
                        BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
                    Files.deleteIfExists(socket);
                }
            } catch (IOException e) {
                LOG.debug("cannot remove socket {}: {}", socket, e.toString());
            }
        });
    }

    /** The plugin's socket when go-plugin (before 1.5) made it in the plugin's TMPDIR, outside its directory. */
    static Optional<Path> goPluginSocket(HandshakeLine handshake, ClientConfig config) {
        if (handshake.network() != Network.UNIX) {
            return Optional.empty();
        }
        Path socket = Path.of(handshake.address()).toAbsolutePath().normalize();
        String tmp = config.env().get("TMPDIR");
        if (tmp == null && !config.skipHostEnv()) {
            tmp = System.getenv("TMPDIR");
        }
        Path pluginTemp = Path.of(tmp == null || tmp.isEmpty() ? "/tmp" : tmp).toAbsolutePath().normalize();
        return pluginTemp.equals(socket.getParent()) && socket.getFileName().toString().matches("plugin\\d+")
                ? Optional.of(socket) : Optional.empty();
    }

    private static PluginStartException failure(ClientConfig config, String message, Throwable cause) {
        return new PluginStartException(config.name(), message, List.of(), cause);
    }
}
