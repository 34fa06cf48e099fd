package dev.outpost.grpc;

import io.grpc.ServerServiceDefinition;
import java.util.List;

/**
 * A plugin type as a plugin serves it: the gRPC services on the plugin's server, as the
 * {@code GRPCServer} half of go-plugin's {@code GRPCPlugin}. A plugin registers these; made by
 * {@link GrpcPlugin#server}, {@code InterfacePlugin.server}, or a lambda.
 */
@FunctionalInterface
public interface GrpcServerPlugin {

    /** The services to serve on the plugin's server; the broker is there for callbacks. */
    List<ServerServiceDefinition> services(GrpcBroker broker);
}
