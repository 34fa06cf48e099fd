package dev.outpost.host;

import dev.outpost.PluginStartException;
import dev.outpost.PluginStartException.Kind;
import dev.outpost.internal.grpc.UnixSocketDir;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A plugin process another host launched, reached by {@link PluginClient#reattach}. Nothing of it is this
 * host's but the connection: a failed start leaves it running; a close that it does not obey kills it,
 * unless its pid is this JVM's.
 */
final class ReattachedBackend implements Backend {

    private static final Logger LOG = LoggerFactory.getLogger(ReattachedBackend.class);

    private final String name;
    private final ProcessHandle handle;
    private final CompletableFuture<PluginExit> exit;

    ReattachedBackend(String name, ProcessHandle handle) {
        this.name = name;
        this.handle = handle;
        long pid = handle.pid();
        this.exit = handle.onExit().thenApply(p -> new PluginExit(-1, pid));
    }

    @Override
    public long pid() {
        return handle.pid();
    }

    @Override
    public CompletableFuture<PluginExit> exit() {
        return exit;
    }

    @Override
    public UnixSocketDir sockets() {
        return null;
    }

    @Override
    public Optional<Runner.Launched> launched() {
        return Optional.empty();
    }

    @Override
    public PluginStartException failure(String what, Throwable cause, Kind kind) {
        return new PluginStartException(name, "plugin '" + name + "' (reattached to pid " + handle.pid() + ") "
                + what, List.of(), cause, kind);
    }

    @Override
    public void stop(Duration grace) {
        try {
            exit.get(grace.toMillis(), TimeUnit.MILLISECONDS);
            return;
        } catch (TimeoutException e) {
            LOG.warn("reattached plugin '{}' (pid {}) did not exit after the shutdown request; killing it",
                    name, handle.pid());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException e) {
            return;
        }
        if (handle.pid() == ProcessHandle.current().pid()) {
            LOG.warn("reattached plugin '{}' lives in this JVM (pid {}); not killing it", name, handle.pid());
            return;
        }
        handle.destroyForcibly();
    }

    @Override
    public void exitedOnItsOwn() {
        // Its sockets and directory belong to the host that launched it.
    }
}
