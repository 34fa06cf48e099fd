package dev.outpost.host;

import dev.outpost.PluginStartException;
import dev.outpost.PluginStartException.Kind;
import dev.outpost.internal.LocalServer;
import dev.outpost.internal.grpc.UnixSocketDir;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A plugin served in this JVM ({@code dev.outpost.inprocess.InProcess}), on a real socket in a directory the host
 * made for it. There is no process: it "exits" when its server stops, and nothing is ever signalled.
 */
final class InProcessBackend implements Backend {

    private final String name;
    private final LocalServer server;
    private final UnixSocketDir sockets;
    private final CompletableFuture<PluginExit> exit;

    InProcessBackend(String name, LocalServer server, UnixSocketDir sockets) {
        this.name = name;
        this.server = server;
        this.sockets = sockets;
        long pid = ProcessHandle.current().pid();
        this.exit = server.onTermination().thenApply(v -> new PluginExit(0, pid));
    }

    @Override
    public long pid() {
        return ProcessHandle.current().pid();
    }

    @Override
    public CompletableFuture<PluginExit> exit() {
        return exit;
    }

    @Override
    public UnixSocketDir sockets() {
        return sockets;
    }

    @Override
    public Optional<Runner.Launched> launched() {
        return Optional.empty();
    }

    @Override
    public PluginStartException failure(String what, Throwable cause, Kind kind) {
        stop(Duration.ZERO);
        return new PluginStartException(name, "plugin '" + name + "' (in-process) " + what, List.of(), cause, kind);
    }

    @Override
    public void stop(Duration grace) {
        server.close();
        sockets.close();
    }

    @Override
    public void exitedOnItsOwn() {
        sockets.close();
    }
}
