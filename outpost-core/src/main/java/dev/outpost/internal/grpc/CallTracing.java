package dev.outpost.internal.grpc;

import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Whether the calls of one host or plugin are traced with OpenTelemetry, and the gRPC interceptors that
 * do it: W3C trace context in the calls' metadata, a span per call. Immutable. Used by host and plugin;
 * not part of the public API.
 *
 * <p>OpenTelemetry is an optional dependency. This class names none of its types, so that it loads in
 * a JVM without them; {@code OtelCalls}, which does, is reached only once the API was found on the class
 * path. Without it, every method here is a no-op and nothing of OpenTelemetry's is loaded.
 */
public final class CallTracing {

    /** No tracing: channels and services are returned as they are given. */
    public static final CallTracing OFF = new CallTracing(null, null);

    private static final boolean API_PRESENT = apiPresent();

    private final ClientInterceptor client;
    private final ServerInterceptor server;

    CallTracing(ClientInterceptor client, ServerInterceptor server) {
        this.client = client;
        this.server = server;
    }

    /**
     * Tracing with {@code GlobalOpenTelemetry} as it is at each call, so that an application may set it
     * after building its configuration; {@link #OFF} when the OpenTelemetry API is not on the class path.
     * A call made while no global instance is set is not traced, and does not fix the global instance to
     * a no-op one (as {@code GlobalOpenTelemetry.get()} would).
     */
    public static CallTracing global() {
        return API_PRESENT ? OtelCalls.global() : OFF;
    }

    /**
     * Tracing with {@code openTelemetry}, an {@code io.opentelemetry.api.OpenTelemetry}; {@link #OFF}
     * for {@code OpenTelemetry.noop()}. Typed {@code Object} so that this class does not name the type.
     *
     * @throws IllegalArgumentException when {@code openTelemetry} is not an OpenTelemetry instance
     */
    public static CallTracing of(Object openTelemetry) {
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        if (!API_PRESENT) {
            throw new IllegalArgumentException("not an OpenTelemetry instance: " + openTelemetry.getClass().getName()
                    + " (the OpenTelemetry API is not on the class path)");
        }
        return OtelCalls.of(openTelemetry);
    }

    /** Whether the OpenTelemetry API is on the class path, so that tracing can be on. */
    public static boolean available() {
        return API_PRESENT;
    }

    /** Whether calls are traced. */
    public boolean enabled() {
        return client != null;
    }

    /** {@code channel}, whose calls are traced. */
    public Channel intercept(Channel channel) {
        return client == null ? channel : ClientInterceptors.intercept(channel, client);
    }

    /**
     * {@code interceptors} and, when tracing is on, the tracing one last: a channel runs its last
     * interceptor first, so the span covers the whole call and sees the status the caller sees.
     */
    public ClientInterceptor[] outermost(ClientInterceptor... interceptors) {
        if (client == null) {
            return interceptors;
        }
        ClientInterceptor[] all = Arrays.copyOf(interceptors, interceptors.length + 1);
        all[interceptors.length] = client;
        return all;
    }

    /** {@code services}, whose calls are traced: each continues the trace its caller sent. */
    public List<ServerServiceDefinition> intercept(List<ServerServiceDefinition> services) {
        return server == null ? services : services.stream().map(this::intercept).toList();
    }

    private ServerServiceDefinition intercept(ServerServiceDefinition service) {
        return ServerInterceptors.intercept(service, server);
    }

    private static boolean apiPresent() {
        try {
            // Loaded, not initialized: whether the application has the API, at no cost when it has not.
            Class.forName("io.opentelemetry.api.OpenTelemetry", false, CallTracing.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
