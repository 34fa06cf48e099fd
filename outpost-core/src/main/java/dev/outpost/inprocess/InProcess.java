package dev.outpost.inprocess;

import dev.outpost.HandshakeConfig;
import dev.outpost.HandshakeLine;
import dev.outpost.PluginStartException;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.internal.HostAccess;
import dev.outpost.internal.LocalServer;
import dev.outpost.plugin.PluginServer;
import dev.outpost.plugin.ServeConfig;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A plugin served in this JVM, reached as a launched one: for fast tests of a plugin, and of a host
 * without building the plugin's process. This is the one place that joins the host side
 * ({@code dev.outpost.host}) and the plugin side ({@code dev.outpost.plugin}); neither depends on the other.
 */
public final class InProcess {

    private InProcess() {
    }

    /**
     * Serves {@code plugin} in this JVM and connects to it as to a launched plugin: the plugin's server
     * ({@link PluginServer#start}) listens on a real Unix socket (loopback TCP where there are none) and the
     * host talks to it through the same codec, broker (callbacks), deadlines, error mapping, health check
     * and shutdown request as over a process. There is no process: {@link PluginClient#pid()} is this
     * JVM's, nothing goes through stdout or stderr pipes, and {@link PluginClient#exited()} means the server
     * has stopped. The magic cookies of both configs must match; the protocol version is negotiated as with
     * a process, and {@link ClientConfig#autoMtls()} is honoured. {@link ClientConfig#command()} is ignored
     * and may be empty.
     *
     * <p>{@link PluginClient#close()} asks the plugin to shut down, stops its server and removes its
     * sockets; it never signals any process. An in-process plugin has no
     * {@link PluginClient#reattachConfig()}.
     *
     * @throws PluginStartException when the cookies differ, the server cannot start, the versions are
     *                              incompatible or the plugin does not answer its health check; the
     *                              server is stopped when it is thrown
     */
    public static PluginClient start(ClientConfig config, ServeConfig plugin) {
        return HostAccess.inProcess().start(config, new LocalServer.Starter() {
            @Override
            public HandshakeConfig handshake() {
                return plugin.handshake();
            }

            @Override
            public LocalServer start(Map<String, String> env) throws IOException {
                return served(PluginServer.start(plugin, env));
            }
        });
    }

    private static LocalServer served(PluginServer server) {
        return new LocalServer() {
            @Override
            public HandshakeLine handshake() {
                return server.handshake();
            }

            @Override
            public CompletableFuture<Void> onTermination() {
                return server.onTermination();
            }

            @Override
            public void close() {
                server.close();
            }
        };
    }
}
