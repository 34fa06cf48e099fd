package ${package};

import dev.outpost.HandshakeConfig;

/** The handshake and plugin name the host and every plugin share. */
public final class GreeterPlugins {

    /**
     * Protocol version 1 and the magic cookie; the plugin's POM repeats the cookie for its plugin.json
     * (outpost-maven-plugin's magicCookie), so change both together.
     */
    public static final HandshakeConfig HANDSHAKE = HandshakeConfig.of(1, "${cookieKey}", "${rootArtifactId}");

    /** The name the {@link Greeter} interface is served and dispensed under. */
    public static final String PLUGIN_NAME = "greeter";

    private GreeterPlugins() {
    }
}
