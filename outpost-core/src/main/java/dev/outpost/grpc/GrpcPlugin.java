package dev.outpost.grpc;

import io.grpc.BindableService;
import io.grpc.Channel;
import io.grpc.ServerServiceDefinition;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A plugin type defined by gRPC services with both of its sides, as go-plugin's {@code GRPCPlugin}: for a
 * definition shared by a host and its plugins, e.g. in an interface library. A process that has one side
 * only registers that side: a {@link GrpcClientPlugin} in a host, a {@link GrpcServerPlugin} in a plugin;
 * the factories here make them.
 *
 * @param <T> what the host receives from {@code dispense}, typically a generated stub
 */
public interface GrpcPlugin<T> extends GrpcClientPlugin<T>, GrpcServerPlugin {

    /** The host side of a plugin type whose client is a stub built from the channel, e.g. {@code KVGrpc::newBlockingStub}. */
    static <T> GrpcClientPlugin<T> client(Function<? super Channel, ? extends T> stubFactory) {
        Objects.requireNonNull(stubFactory, "stubFactory");
        return (channel, broker) -> stubFactory.apply(channel);
    }

    /** The plugin side of a plugin type serving the given services. */
    static GrpcServerPlugin server(BindableService... services) {
        List<ServerServiceDefinition> definitions = Arrays.stream(services).map(BindableService::bindService).toList();
        return broker -> definitions;
    }

    /** A plugin type from its two sides. */
    static <T> GrpcPlugin<T> of(Function<GrpcBroker, List<ServerServiceDefinition>> services,
                                BiFunction<Channel, GrpcBroker, T> client) {
        Objects.requireNonNull(services, "services");
        Objects.requireNonNull(client, "client");
        return new GrpcPlugin<>() {
            @Override
            public List<ServerServiceDefinition> services(GrpcBroker broker) {
                return services.apply(broker);
            }

            @Override
            public T client(Channel channel, GrpcBroker broker) {
                return client.apply(channel, broker);
            }
        };
    }
}
