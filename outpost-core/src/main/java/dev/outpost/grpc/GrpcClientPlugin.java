package dev.outpost.grpc;

import io.grpc.Channel;

/**
 * A plugin type as a host uses it: what {@code dispense} returns, built on the plugin's channel, as the
 * {@code GRPCClient} half of go-plugin's {@code GRPCPlugin}. A host registers these; made by
 * {@link GrpcPlugin#client}, {@code InterfacePlugin.client}, or a lambda.
 *
 * @param <T> what the host receives from {@code dispense}, typically a generated stub
 */
@FunctionalInterface
public interface GrpcClientPlugin<T> {

    /** A client on the plugin's channel (no call is made); the broker is there for callbacks. */
    T client(Channel channel, GrpcBroker broker);
}
