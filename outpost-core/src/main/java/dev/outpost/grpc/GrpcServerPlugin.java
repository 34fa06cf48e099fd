package dev.outpost.grpc;

import io.grpc.ServerServiceDefinition;
import java.util.List;
import java.util.Set;

/**
 * A plugin type as a plugin serves it: the gRPC services on the plugin's server, as the
 * {@code GRPCServer} half of go-plugin's {@code GRPCPlugin}. A plugin registers these; made by
 * {@link GrpcPlugin#server}, {@code InterfacePlugin.server}, or a lambda.
 */
@FunctionalInterface
public interface GrpcServerPlugin {

    /** The services to serve on the plugin's server; the broker is there for callbacks. */
    List<ServerServiceDefinition> services(GrpcBroker broker);

    /**
     * The full names ({@code service/method}) of those services' methods that never block, which the
     * plugin runs on the connection's I/O thread, as {@code ServeConfig.Builder.nonBlocking} does; none by
     * default. Interface mode names the methods marked {@link dev.outpost.NonBlocking}.
     */
    default Set<String> nonBlocking() {
        return Set.of();
    }
}
