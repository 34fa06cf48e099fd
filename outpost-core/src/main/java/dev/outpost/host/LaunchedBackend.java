package dev.outpost.host;

import dev.outpost.HandshakeLine;
import dev.outpost.PluginStartException;
import dev.outpost.PluginStartException.Kind;
import dev.outpost.internal.grpc.UnixSocketDir;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A plugin process this host launched, from its handshake on: what {@link PluginClient#start} connects to. */
final class LaunchedBackend implements Backend {

    private static final Logger LOG = LoggerFactory.getLogger(LaunchedBackend.class);

    private final PluginProcess process;
    private final ClientConfig config;
    private final HandshakeLine handshake;
    private final CompletableFuture<PluginExit> exit;

    LaunchedBackend(PluginProcess process, ClientConfig config, HandshakeLine handshake) {
        this.process = process;
        this.config = config;
        this.handshake = handshake;
        this.exit = process.process().onExit().thenApply(p -> process.exit(p.exitValue()));
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public CompletableFuture<PluginExit> exit() {
        return exit;
    }

    @Override
    public UnixSocketDir sockets() {
        return process.sockets();
    }

    @Override
    public Optional<Runner.Launched> launched() {
        return Optional.of(process.launched());
    }

    /** Kills the process and everything it made, and a socket an old go-plugin left outside its directory. */
    @Override
    public PluginStartException failure(String what, Throwable cause, Kind kind) {
        PluginStartException failure = process.failure(what, cause, kind);
        HostSockets.removeLeftover(handshake, config);
        return failure;
    }

    @Override
    public void stop(Duration grace) {
        PluginExit result = process.stop(grace);
        if (result != null) {
            // Reaped, but the exit future completes on the JDK's reaper thread: once close() returns,
            // exited() and onExit() must already say so.
            try {
                exit.get(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("plugin '{}': waiting for its exit: {}", config.name(), e.toString());
            }
        }
        LOG.debug("plugin '{}' stopped: {}", config.name(), result == null ? "still running" : result.describe());
    }

    @Override
    public void exitedOnItsOwn() {
        process.exitedOnItsOwn();
    }

    @Override
    public Optional<ResourceUsage> usage() {
        return process.usage();
    }
}
