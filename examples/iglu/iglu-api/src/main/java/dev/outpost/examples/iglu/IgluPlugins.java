package dev.outpost.examples.iglu;

import dev.outpost.HandshakeConfig;

/** The handshake and plugin name every Iglu host and plugin share. */
public final class IgluPlugins {

    /** Protocol version 1, cookie {@code IGLU_PLUGIN=MzlK0OGpIRs}. */
    public static final HandshakeConfig HANDSHAKE = HandshakeConfig.of(1, "IGLU_PLUGIN", "MzlK0OGpIRs");

    /** The name the {@link Iglu} interface is served and dispensed under. */
    public static final String PLUGIN_NAME = "iglu_plugin";

    private IgluPlugins() {
    }
}
