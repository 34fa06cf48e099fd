package dev.outpost.host;

import dev.outpost.internal.grpc.UnixSocketDir;
import dev.outpost.internal.wire.AutoMtls;
import dev.outpost.internal.wire.PluginEnv;
import dev.outpost.internal.wire.ProtocolVersions;
import java.util.LinkedHashMap;
import java.util.Map;

/** The variables a go-plugin host gives its plugin: one place for launched and in-process plugins. */
final class HostEnv {

    private HostEnv() {
    }

    /**
     * @param sockets  the plugin's private socket directory
     * @param identity the host's AutoMTLS identity, or null without AutoMTLS
     */
    static Map<String, String> of(ClientConfig config, UnixSocketDir sockets, AutoMtls.Identity identity) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(config.handshake().magicCookieKey(), config.handshake().magicCookieValue());
        env.put(PluginEnv.MIN_PORT, Integer.toString(config.minPort()));
        env.put(PluginEnv.MAX_PORT, Integer.toString(config.maxPort()));
        env.put(PluginEnv.PROTOCOL_VERSIONS, ProtocolVersions.format(config.versionedPlugins().keySet()));
        env.put(PluginEnv.UNIX_SOCKET_DIR, sockets.path().toString());
        config.unixSocketGroup().ifPresent(group -> env.put(PluginEnv.UNIX_SOCKET_GROUP, group));
        if (config.multiplexBroker()) {
            env.put(PluginEnv.MULTIPLEX_GRPC, "true");
        }
        if (identity != null) {
            env.put(PluginEnv.CLIENT_CERT, identity.certificatePem());
        }
        return env;
    }
}
