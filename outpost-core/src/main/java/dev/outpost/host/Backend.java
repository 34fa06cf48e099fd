package dev.outpost.host;

import dev.outpost.PluginStartException;
import dev.outpost.PluginStartException.Kind;
import dev.outpost.internal.grpc.Broker;
import dev.outpost.internal.grpc.UnixSocketDir;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * How a {@link PluginClient} reaches its plugin, and what ends it: a process it launched, a running process
 * it reattached to, a server in this JVM, or a plugin served remotely. The client does the same for all
 * (one connection, one broker, one health check, one close); what differs is here.
 */
sealed interface Backend permits LaunchedBackend, ReattachedBackend, InProcessBackend, RemoteBackend {

    /** The plugin's process id; this JVM's for a plugin served in it; -1 for a remote one. */
    long pid();

    /** Completes when the plugin is gone, for whatever reason. Made once, by the backend. */
    CompletableFuture<PluginExit> exit();

    /** Where broker listeners go without multiplexing: the plugin's socket directory, or null if it has none here. */
    UnixSocketDir sockets();

    /** How the plugin's addresses map to the host's, for a plugin a runner launched; else empty. */
    Optional<Runner.Launched> launched();

    /**
     * A start that failed after the backend was made: stops what it made (the process, the server, the
     * sockets; never a reattached process), then says what happened, naming the plugin.
     */
    PluginStartException failure(String what, Throwable cause, Kind kind);

    /** Stops the plugin once it was asked to shut down and its connection is closed. */
    void stop(Duration grace);

    /** The plugin ended without {@link PluginClient#close()}: frees what it left. */
    void exitedOnItsOwn();

    /** Where the host's brokered servers listen, for callbacks from the plugin (without multiplexing). */
    default Broker.Listeners brokerListeners(boolean tcp) {
        return HostSockets.brokerListeners(sockets(), tcp);
    }

    /** What a start says of a plugin reached at {@code where} that did not answer its first health check. */
    default String unanswered(String where) {
        return "listens at " + where + " but does not answer its health check";
    }

    /** The plugin answered its first health check on {@code channel}: the client is made. */
    default void connected(ManagedChannel channel) {
    }

    /** What the plugin's processes use, while a launched plugin runs with limits. */
    default Optional<ResourceUsage> usage() {
        return Optional.empty();
    }
}
