package dev.outpost.rpc;

import dev.outpost.NonBlocking;
import dev.outpost.grpc.GrpcBroker;
import dev.outpost.grpc.GrpcClientPlugin;
import dev.outpost.grpc.GrpcServerPlugin;
import io.grpc.ServerServiceDefinition;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Plugin types from plain Java interfaces, with no stubs to write: the host gets a dynamic proxy
 * whose every method call is a gRPC call on service {@code <interface's binary name>}, method
 * {@code <method name>}, over the plugin's connection. Arguments and results travel as JSON with
 * their declared generic types; an interface passed as an argument or returned (a callback) is served
 * through the broker and called back across the connection.
 *
 * <p>Supported types: primitives and their boxes, {@code String}, {@code byte[]}, enums, records, beans
 * with a no-argument constructor, arrays, {@code List}/{@code Set}/{@code Collection}/{@code Map}/{@code
 * Optional} of those, {@code java.time} values, {@code BigDecimal}, {@code BigInteger}, {@code UUID},
 * {@code URI}, {@code void}, and nulls; {@code CompletableFuture<T>} as a return type makes the call
 * asynchronous. An interface that uses anything else, overloads a method name or is generic is
 * rejected when it is registered, with a message naming the method. Jackson's readers and writers for the
 * types are made on another thread from registration on, overlapping the rest of the start.
 *
 * <p>An exception thrown by the implementation reaches the caller as a {@link dev.outpost.PluginCallException}
 * with the remote class name, message and stack trace, or as the declared exception type itself when
 * the method declares it and it has a {@code (String)} constructor. A call past its deadline ({@link
 * dev.outpost.CallTimeout}, or the client's default) throws {@link dev.outpost.PluginTimeoutException} and interrupts
 * the implementation's thread; a call to a plugin that died throws {@link dev.outpost.PluginUnavailableException}.
 */
public final class InterfacePlugin {

    private InterfacePlugin() {
    }

    /**
     * The plugin side: serves {@code implementation} as {@code type}.
     *
     * @throws IllegalArgumentException when {@code type} cannot be remoted; the message names the method
     */
    public static <T> GrpcServerPlugin server(Class<T> type, T implementation) {
        Objects.requireNonNull(implementation, "implementation");
        RemoteInterface remote = RemoteInterface.of(type);
        remote.prepareInBackground();
        Set<String> inline = remote.methods().stream()
                .filter(method -> marked(method.method(), implementation.getClass()))
                .map(method -> method.descriptor().getFullMethodName()).collect(Collectors.toUnmodifiableSet());
        return new GrpcServerPlugin() {
            @Override
            public List<ServerServiceDefinition> services(GrpcBroker broker) {
                return List.of(Remoting.of(broker, "the host").service(type, implementation));
            }

            @Override
            public Set<String> nonBlocking() {
                return inline;
            }
        };
    }

    /** Whether {@code method} is {@link NonBlocking} on the interface or in {@code implementation}. */
    private static boolean marked(Method method, Class<?> implementation) {
        if (method.isAnnotationPresent(NonBlocking.class)) {
            return true;
        }
        try {
            return implementation.getMethod(method.getName(), method.getParameterTypes())
                    .isAnnotationPresent(NonBlocking.class);
        } catch (NoSuchMethodException e) {
            return false; // a lambda or proxy implementation: only the interface can say
        }
    }

    /**
     * The host side: {@code dispense} returns a proxy of {@code type}.
     *
     * @throws IllegalArgumentException when {@code type} cannot be remoted; the message names the method
     */
    public static <T> GrpcClientPlugin<T> client(Class<T> type) {
        RemoteInterface.of(type).prepareInBackground();
        return (channel, broker) -> Remoting.of(broker, "plugin '" + broker.owner() + "'").proxy(type, channel);
    }
}
