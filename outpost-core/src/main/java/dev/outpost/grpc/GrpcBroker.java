package dev.outpost.grpc;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import java.util.List;
import java.util.function.Function;

/**
 * go-plugin's GRPCBroker, as a plugin's code sees it: serve extra gRPC servers (callbacks) under a numeric
 * id, and connect to the other side's by theirs. Each connection to a plugin has one; it dies with the
 * connection. Thread-safe.
 *
 * <p>Without multiplexing, each side announces a socket for an id, and one dial of the other side uses up
 * one announcement: keep the channel a dial returns. Multiplexed (go-plugin 1.6+), every brokered
 * connection is a stream of the one connection to the plugin; the calls are the same.
 */
public interface GrpcBroker {

    /** Who this broker belongs to, for messages: a plugin's name. */
    String owner();

    /** Whether this broker's connections are streams of one multiplexed connection. */
    boolean isMultiplexed();

    /** The next id for a server of this side: 1, 2, 3… */
    int nextId();

    /**
     * Serves {@code services} under {@code id} and announces it to the other side; the server runs until
     * the connection ends or the returned handle is closed.
     */
    AutoCloseable acceptAndServe(int id, List<ServerServiceDefinition> services);

    /**
     * Connects to the other side's server {@code id}, waiting for its announcement. An announcement is
     * used up by its dial: keep the channel for later calls.
     *
     * @throws BrokerException when no announcement arrives in time or the connection is closed
     */
    ManagedChannel dial(int id, ClientInterceptor... interceptors);

    /**
     * The state of {@code type} kept with this connection (the interface mode keeps its exported and
     * imported callbacks so), made by {@code create} on first use. It belongs to the broker: it is dropped
     * when the connection ends, and nothing else holds it.
     */
    <T> T attachment(Class<T> type, Function<GrpcBroker, T> create);

    /** Runs {@code action} when the connection ends (at once if it has). */
    void onClose(Runnable action);

    /** Whether the connection, and with it the broker, has ended. */
    boolean isClosed();

    /** A broker operation that cannot complete. */
    final class BrokerException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public BrokerException(String message) {
            super(message);
        }

        public BrokerException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
