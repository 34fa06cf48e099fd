package dev.outpost.host;

import dev.outpost.HandshakeLine;
import dev.outpost.Network;
import dev.outpost.PluginStartException;
import dev.outpost.PluginStartException.Kind;
import dev.outpost.internal.grpc.Broker;
import dev.outpost.internal.grpc.MutualTls;
import dev.outpost.internal.grpc.UnixSocketDir;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A plugin served remotely, reached by {@link PluginClient#remote}: only the connection is this host's.
 * There is no process to signal or to wait for, and nothing is ever killed. It "ends" when the host cannot
 * reach it any more (its connection fails, and so does the attempt to connect again) or when the client
 * is closed; a new client connects again.
 */
final class RemoteBackend implements Backend {

    private final String name;
    private final String address;
    private final CompletableFuture<PluginExit> exit = new CompletableFuture<>();

    RemoteBackend(String name, String address) {
        this.name = name;
        this.address = address;
    }

    /** {@link PluginClient#remote}: sets up the TLS and connects, each failure naming the plugin and address. */
    static PluginClient connect(ClientConfig config, RemoteConfig remote, Duration healthTimeout) {
        RemoteBackend backend = new RemoteBackend(config.name(), remote.address());
        if (config.multiplexBroker()) {
            throw backend.failure("cannot multiplex its broker: a remote plugin serves one connection per host, "
                    + "without the broker", null, Kind.INCOMPATIBLE);
        }
        MutualTls tls;
        try {
            tls = MutualTls.fromFiles(remote.tls(), remote.serverName());
        } catch (IllegalArgumentException e) {
            throw backend.failure("cannot use its TLS files: " + e.getMessage(), e, Kind.OTHER);
        }
        int version = remote.protocolVersion() > 0 ? remote.protocolVersion() : config.handshake().protocolVersion();
        HandshakeLine line = HandshakeLine.grpc(version, Network.TCP, remote.address());
        String incompatibility = HandshakeChecks.incompatibility(config, line);
        if (incompatibility != null) {
            throw backend.failure(incompatibility, null, Kind.INCOMPATIBLE);
        }
        return PluginClient.connectWith(config, backend, line, PluginOutput.of(config), tls, healthTimeout);
    }

    /** No process of this host: -1. */
    @Override
    public long pid() {
        return -1;
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

    /**
     * None: the host's broker listens on its own loopback, where a plugin on another machine cannot dial,
     * and a Service in front of the plugin forwards one port only.
     */
    @Override
    public Broker.Listeners brokerListeners(boolean tcp) {
        return () -> {
            throw new IllegalStateException("plugin '" + name + "' is remote (" + address + "): callbacks and "
                    + "brokered servers are not available to it (the plugin cannot dial the host back)");
        };
    }

    /** Nothing says it listens: the address may be wrong, or nobody there. */
    @Override
    public String unanswered(String where) {
        return "does not answer at " + where;
    }

    @Override
    public PluginStartException failure(String what, Throwable cause, Kind kind) {
        exit.complete(new PluginExit(-1, -1, Optional.of("was not connected")));
        return new PluginStartException(name, "plugin '" + name + "' (remote, " + address + ") " + what, List.of(),
                cause, kind);
    }

    /**
     * Watches the connection once the plugin has answered: a connection that fails and cannot be made
     * again (TRANSIENT_FAILURE) ends the plugin, as an exit ends a process. A connection that is merely
     * idle, or that was dropped and made again before a call noticed, does not.
     */
    @Override
    public void connected(ManagedChannel channel) {
        watch(channel, ConnectivityState.READY);
    }

    private void watch(ManagedChannel channel, ConnectivityState seen) {
        if (exit.isDone()) {
            return;
        }
        ConnectivityState now = channel.getState(false);
        if (now == ConnectivityState.TRANSIENT_FAILURE) {
            exit.complete(new PluginExit(-1, -1, Optional.of("cannot be reached at " + address + " any more "
                    + "(its connection failed)")));
            return;
        }
        if (now == ConnectivityState.SHUTDOWN) {
            return; // closed by the client: stop() says so
        }
        channel.notifyWhenStateChanged(now, () -> watch(channel, now));
    }

    @Override
    public void stop(Duration grace) {
        exit.complete(new PluginExit(-1, -1, Optional.of("was disconnected")));
    }

    @Override
    public void exitedOnItsOwn() {
        // Nothing of it is on this host.
    }
}
