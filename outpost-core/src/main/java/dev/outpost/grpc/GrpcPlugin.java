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
 * A plugin type defined by gRPC services, as go-plugin's {@code GRPCPlugin}: the plugin side
 * serves {@link #services}, the host side builds a {@link #client} on the plugin's channel. A process
 * usually implements one side only; the other throws {@link UnsupportedOperationException}.
 *
 * @param <T> what the host receives from {@code dispense}, typically a generated stub
 */
public interface GrpcPlugin<T> {

    /** Plugin side: the services to serve on the plugin's server; the broker is there for callbacks. */
    List<ServerServiceDefinition> services(GrpcBroker broker);

    /** Host side: a client on the plugin's channel (no call is made); the broker is there for callbacks. */
    T client(Channel channel, GrpcBroker broker);

    /** A host-side plugin type whose client is a stub built from the channel, e.g. {@code KVGrpc::newBlockingStub}. */
    static <T> GrpcPlugin<T> client(Function<? super Channel, ? extends T> stubFactory) {
        Objects.requireNonNull(stubFactory, "stubFactory");
        return of(broker -> {
            throw new UnsupportedOperationException("this plugin type is defined for the host side only");
        }, (channel, broker) -> stubFactory.apply(channel));
    }

    /** A plugin-side plugin type serving the given services. */
    static GrpcPlugin<Void> server(BindableService... services) {
        List<ServerServiceDefinition> definitions = Arrays.stream(services).map(BindableService::bindService).toList();
        return of(broker -> definitions, (channel, broker) -> {
            throw new UnsupportedOperationException("this plugin type is defined for the plugin side only");
        });
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
