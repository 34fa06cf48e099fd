package dev.outpost.internal.wire;

/** Names and defaults of the environment variables a go-plugin host gives its plugins. */
public final class PluginEnv {
    /** Lowest TCP port a TCP plugin may listen on. */
    public static final String MIN_PORT = "PLUGIN_MIN_PORT";
    /** Highest TCP port a TCP plugin may listen on. */
    public static final String MAX_PORT = "PLUGIN_MAX_PORT";
    /** Comma-separated application protocol versions the host speaks. */
    public static final String PROTOCOL_VERSIONS = "PLUGIN_PROTOCOL_VERSIONS";
    /** The host's certificate (PEM) when it asks for automatic mutual TLS. */
    public static final String CLIENT_CERT = "PLUGIN_CLIENT_CERT";
    /** {@code true} when the host asks for broker multiplexing (go-plugin 1.6+). */
    public static final String MULTIPLEX_GRPC = "PLUGIN_MULTIPLEX_GRPC";
    /** Group that plugin sockets should belong to (mode 0660). */
    public static final String UNIX_SOCKET_GROUP = "PLUGIN_UNIX_SOCKET_GROUP";
    /** Directory in which the plugin creates its sockets. */
    public static final String UNIX_SOCKET_DIR = "PLUGIN_UNIX_SOCKET_DIR";

    /** go-plugin's default for {@link #MIN_PORT}. */
    public static final int DEFAULT_MIN_PORT = 10000;
    /** go-plugin's default for {@link #MAX_PORT}. */
    public static final int DEFAULT_MAX_PORT = 25000;

    private PluginEnv() {
    }
}
