package dev.outpost.host;

import dev.outpost.PluginUnavailableException;
import dev.outpost.internal.yamux.YamuxException;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Errors of calls to a plugin that say what happened to it: how it died, which call ran out of time,
 * which call's message was too large.
 */
final class PluginCalls implements ClientInterceptor {

    private final String name;
    private final CompletableFuture<PluginExit> exit;
    private final BooleanSupplier closing;
    private final int maxMessageSize;

    /**
     * @param exit    completes when the plugin is gone
     * @param closing whether the host is stopping the plugin (its calls failing then is no news)
     */
    PluginCalls(String name, CompletableFuture<PluginExit> exit, BooleanSupplier closing, int maxMessageSize) {
        this.name = name;
        this.exit = exit;
        this.closing = closing;
        this.maxMessageSize = maxMessageSize;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        super.onClose(explain(method, status), trailers);
                    }
                }, headers);
            }
        };
    }

    private Status explain(MethodDescriptor<?, ?> method, Status status) {
        switch (status.getCode()) {
            case UNAVAILABLE, INTERNAL -> {
                PluginExit result = awaitExitBriefly();
                // A multiplexed connection's failure says more than gRPC's "io exception".
                YamuxException yamux = yamuxCause(status.getCause());
                if (result != null && !closing.getAsBoolean()) {
                    String who = result.pid() < 0 ? "remote" : "pid " + result.pid();
                    String message = "plugin '" + name + "' (" + who + ") " + result.describe()
                            + " during " + method.getFullMethodName()
                            + (yamux != null ? "; its multiplexed connection had ended: " + yamux.getMessage() : "");
                    return Status.UNAVAILABLE.withDescription(message)
                            .withCause(new PluginUnavailableException(name, message, status.asRuntimeException()));
                }
                if (yamux != null) {
                    return Status.UNAVAILABLE.withDescription(yamux.getMessage() + " (during "
                            + method.getFullMethodName() + ")").withCause(status.asRuntimeException());
                }
                return status;
            }
            case UNKNOWN -> {
                // grpc-java's status for a write on a connection that had closed already: the plugin went
                // away under the call (a failure of the plugin's own code carries a status of its own).
                if (status.getCause() instanceof ClosedChannelException) {
                    return explain(method, Status.UNAVAILABLE.withDescription(status.getDescription())
                            .withCause(status.getCause()));
                }
                return status;
            }
            case DEADLINE_EXCEEDED -> {
                return status.augmentDescription("plugin '" + name + "' did not answer "
                        + method.getFullMethodName() + " in time");
            }
            case RESOURCE_EXHAUSTED -> {
                // gRPC's own words name both sizes; say which call, and which limit is the host's.
                return status.augmentDescription("plugin '" + name + "': a message of "
                        + method.getFullMethodName() + " is over a size limit (the host sends and accepts up to "
                        + maxMessageSize + " bytes; the plugin may have a limit of its own)");
            }
            default -> {
                return status;
            }
        }
    }

    private static YamuxException yamuxCause(Throwable error) {
        for (Throwable cause = error; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
            if (cause instanceof YamuxException yamux) {
                return yamux;
            }
        }
        return null;
    }

    /** The socket closes a moment before the exit is reaped; wait that moment. */
    private PluginExit awaitExitBriefly() {
        try {
            return exit.get(500, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
