package dev.outpost.internal;

import dev.outpost.HandshakeConfig;
import dev.outpost.HandshakeLine;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A plugin's server running in this JVM, as the host side sees it. The host starts and ends it through
 * this interface alone, so {@code dev.outpost.host} does not depend on the plugin side
 * ({@code dev.outpost.plugin}); {@code dev.outpost.inprocess} joins the two.
 */
public interface LocalServer {

    /** The line a launched plugin would print: where the server listens and what it speaks. */
    HandshakeLine handshake();

    /** Completes when the server has stopped, for whatever reason. */
    CompletableFuture<Void> onTermination();

    /** Stops the server; the host asked the plugin to shut down before. */
    void close();

    /** How a plugin's server is started in this JVM. */
    interface Starter {

        /** The cookie the plugin checks, as a launched plugin would check its environment. */
        HandshakeConfig handshake();

        /** Starts the server with the environment a launched plugin would get from its host. */
        LocalServer start(Map<String, String> env) throws IOException;
    }
}
