package dev.outpost.internal.grpc;

import dev.outpost.Network;
import dev.outpost.internal.wire.AutoMtls;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.KnownLength;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * gRPC channels and servers over Unix sockets (Linux epoll) or loopback TCP, sharing one small
 * event loop group per process. Used by both host and plugin; not part of the public API.
 */
public final class Transport {

    /**
     * gRPC's own limit, and the default on both sides: go-plugin hosts send and accept messages up to
     * this size (2^31 - 1 bytes) on every connection.
     */
    public static final int MAX_MESSAGE_SIZE = Integer.MAX_VALUE;

    private static volatile EventLoopGroup group;

    /*
     * Runs calls' handlers and callbacks, as grpc-java's default executor would: a cached pool of daemon
     * threads. grpc-java names its own threads through String.format, which loads the locale data (CLDR)
     * on the way to the handshake: about 10 ms of every plugin's start.
     */
    private static final Executor CALL_EXECUTOR = Executors.newCachedThreadPool(daemonThreads("outpost-call"));

    /** Netty's system property for its buffer allocator's JFR events, under grpc's shaded package. */
    public static final String NETTY_JFR = "io.grpc.netty.shaded.io.netty.jfr.enabled";

    private Transport() {
    }

    /** Whether this JVM can use Unix domain sockets (Linux with the epoll native transport). */
    public static boolean unixSocketsAvailable() {
        return Epoll.isAvailable();
    }

    /** A socket address for a handshake's network and address. */
    public static SocketAddress address(Network network, String address) {
        if (network == Network.UNIX) {
            return new DomainSocketAddress(address);
        }
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, Integer.parseInt(address.substring(colon + 1)));
    }

    /**
     * A plaintext channel to a plugin or a brokered server. The authority is {@code localhost}, as
     * go-plugin peers expect when TLS is on; they ignore it otherwise.
     */
    public static ManagedChannel channel(SocketAddress address, ClientInterceptor... interceptors) {
        return channel(address, null, interceptors);
    }

    /**
     * A channel to a plugin or a brokered server, over mutual TLS when {@code tls} is not null
     * (server name {@code localhost}, ALPN h2), else plaintext.
     */
    public static ManagedChannel channel(SocketAddress address, MutualTls tls, ClientInterceptor... interceptors) {
        return channel(address, tls, MAX_MESSAGE_SIZE, interceptors);
    }

    /**
     * A channel as {@link #channel(SocketAddress, MutualTls, ClientInterceptor...)} whose calls neither
     * accept nor send a message larger than {@code maxMessageSize} bytes: a larger one fails its call
     * alone with {@code RESOURCE_EXHAUSTED}, naming both sizes.
     */
    public static ManagedChannel channel(SocketAddress address, MutualTls tls, int maxMessageSize,
                                         ClientInterceptor... interceptors) {
        boolean unix = address instanceof DomainSocketAddress;
        if (unix && !unixSocketsAvailable()) {
            throw new IllegalStateException("Unix domain sockets need Linux with the epoll transport: "
                    + Epoll.unavailabilityCause());
        }
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(address).eventLoopGroup(group())
                .channelType(socketChannelType(address));
        return configure(unix ? withoutKeepAlive(builder) : builder, tls, maxMessageSize, interceptors).build();
    }

    /**
     * What every channel to a plugin or a brokered server has, over a socket or a multiplexed
     * connection: Outpost's executor, mutual TLS or plaintext, authority {@code localhost}, the limits.
     */
    static NettyChannelBuilder configure(NettyChannelBuilder builder, MutualTls tls, int maxMessageSize,
                                         ClientInterceptor... interceptors) {
        requirePositive(maxMessageSize);
        builder.executor(CALL_EXECUTOR).offloadExecutor(CALL_EXECUTOR);
        // go-plugin configures no retries; grpc-java's retry machinery would still wrap every call.
        builder.disableRetry();
        if (tls != null) {
            builder.sslContext(tls.clientContext());
        } else {
            builder.usePlaintext();
        }
        builder.overrideAuthority(tls != null ? tls.serverName() : AutoMtls.SERVER_NAME)
                .maxInboundMessageSize(maxMessageSize)
                .maxInboundMetadataSize(1 << 20);
        if (maxMessageSize < MAX_MESSAGE_SIZE) {
            // Added first, so it runs last before the transport and its status is the one the others see.
            builder.intercept(new OutboundLimit(maxMessageSize));
        }
        return builder.intercept(interceptors);
    }

    /** Starts a plaintext server on {@code address} with the given services. */
    public static Server server(SocketAddress address, List<ServerServiceDefinition> services) throws IOException {
        return server(address, services, null);
    }

    /**
     * Starts a server on {@code address} with the given services; with {@code tls}, it accepts only
     * mutual TLS connections from the holder of the peer certificate.
     */
    public static Server server(SocketAddress address, List<ServerServiceDefinition> services, MutualTls tls)
            throws IOException {
        return server(address, services, tls, MAX_MESSAGE_SIZE);
    }

    /**
     * A server as {@link #server(SocketAddress, List, MutualTls)} that accepts no message larger than
     * {@code maxMessageSize} bytes: a larger one fails its call alone with {@code RESOURCE_EXHAUSTED}.
     * gRPC has no outbound limit for servers: what a server sends is bounded by its peer's inbound limit.
     */
    public static Server server(SocketAddress address, List<ServerServiceDefinition> services, MutualTls tls,
                                int maxMessageSize) throws IOException {
        return server(address, services, tls, maxMessageSize, Set.of());
    }

    /**
     * A server as {@link #server(SocketAddress, List, MutualTls, int)} whose methods named in {@code inline}
     * (full names, {@code service/method}) run on the connection's event loop, without a thread hand-off.
     */
    public static Server server(SocketAddress address, List<ServerServiceDefinition> services, MutualTls tls,
                                int maxMessageSize, Set<String> inline) throws IOException {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(address).bossEventLoopGroup(group())
                .workerEventLoopGroup(group()).channelType(serverChannelType(address));
        if (address instanceof DomainSocketAddress) {
            withoutKeepAlive(builder);
        } else {
            // A remote plugin started again takes its port back at once, past the old connections' TIME_WAIT.
            builder.withOption(ChannelOption.SO_REUSEADDR, true);
        }
        return configure(builder, services, tls, maxMessageSize, inline).build().start();
    }

    /*
     * grpc-java turns SO_KEEPALIVE on for every connection it makes or accepts. A Unix socket or a yamux
     * stream has no such option, and Netty's bootstrap warns about that on every connection. grpc-java
     * applies the builder's options after its own, and a null value makes Netty drop an option: this takes
     * the option off these connections alone, instead of silencing Netty's loggers for the whole JVM.
     */
    static NettyChannelBuilder withoutKeepAlive(NettyChannelBuilder builder) {
        return builder.withOption(ChannelOption.SO_KEEPALIVE, null);
    }

    static NettyServerBuilder withoutKeepAlive(NettyServerBuilder builder) {
        return builder.withChildOption(ChannelOption.SO_KEEPALIVE, null);
    }

    /** What every server of Outpost's has, on a socket or a multiplexed connection. */
    static NettyServerBuilder configure(NettyServerBuilder builder, List<ServerServiceDefinition> services,
                                        MutualTls tls, int maxMessageSize, Set<String> inline) {
        requirePositive(maxMessageSize);
        // gRPC delivers every call's frames on the event loop; HandOff moves each handler to the call
        // executor once, when it has its request (or at once for methods that stream requests).
        builder.directExecutor();
        HandOff handOff = new HandOff(CALL_EXECUTOR, inline);
        builder.maxInboundMessageSize(maxMessageSize);
        if (tls != null) {
            builder.sslContext(tls.serverContext());
        }
        services.forEach(service -> builder.addService(ServerInterceptors.intercept(service, handOff)));
        return builder;
    }

    private static void requirePositive(int maxMessageSize) {
        if (maxMessageSize <= 0) {
            throw new IllegalArgumentException("maxMessageSize must be positive, got " + maxMessageSize);
        }
    }

    /**
     * The outbound limit of a channel, which gRPC keeps per call: each call gets it in its options, and a
     * request over it fails the call with {@code RESOURCE_EXHAUSTED} naming both sizes. gRPC's own check
     * fails the call as CANCELLED, with the size error only as its cause, and when the transport is not
     * connected yet it throws on a transport thread and the call never ends; so the size is checked here
     * as the request is serialized, on the caller's thread, whenever the serialized form says its length.
     */
    static final class OutboundLimit implements ClientInterceptor {
        private final int limit;
        private final Map<MethodDescriptor<?, ?>, MethodDescriptor<?, ?>> checked = new ConcurrentHashMap<>();

        OutboundLimit(int limit) {
            this.limit = limit;
        }

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                     io.grpc.Channel next) {
            Integer current = options.getMaxOutboundMessageSize();
            CallOptions limited = current != null && current <= limit ? options
                    : options.withMaxOutboundMessageSize(limit);
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(sizeChecked(method), limited)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            super.onClose(sizeError(status), trailers);
                        }
                    }, headers);
                }
            };
        }

        @SuppressWarnings("unchecked")
        private <Q, R> MethodDescriptor<Q, R> sizeChecked(MethodDescriptor<Q, R> method) {
            return (MethodDescriptor<Q, R>) checked.computeIfAbsent(method, key -> method.toBuilder(
                    new SizeChecked<>(method.getRequestMarshaller(), limit), method.getResponseMarshaller()).build());
        }

        /**
         * A request over the limit, reported by gRPC as a cancellation caused by it; any other status as it
         * is, a cancellation without a cause (the host's own, at close) included.
         */
        static Status sizeError(Status status) {
            if (status.getCode() == Status.Code.CANCELLED && status.getCause() != null
                    && Status.fromThrowable(status.getCause()).getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                return Status.fromThrowable(status.getCause());
            }
            return status;
        }
    }

    /** Serializes with {@code delegate} and refuses a message over {@code limit} when its length is known. */
    private record SizeChecked<T>(MethodDescriptor.Marshaller<T> delegate, int limit)
            implements MethodDescriptor.Marshaller<T> {
        @Override
        public InputStream stream(T value) {
            InputStream stream = delegate.stream(value);
            // Protobuf's streams know their length without serializing; a byte array's is its size.
            if (stream instanceof KnownLength || stream instanceof ByteArrayInputStream) {
                int length;
                try {
                    length = stream.available();
                } catch (IOException e) {
                    return stream;
                }
                if (length > limit) {
                    throw Status.RESOURCE_EXHAUSTED.withDescription("message too large " + length + " > " + limit)
                            .asRuntimeException();
                }
            }
            return stream;
        }

        @Override
        public T parse(InputStream stream) {
            return delegate.parse(stream);
        }
    }

    /** One of the shared event loops, for connections whose streams must all run on one thread. */
    static EventLoop nextEventLoop() {
        return group().next();
    }

    /** The executor of calls' handlers and callbacks. */
    static Executor callExecutor() {
        return CALL_EXECUTOR;
    }

    /** The Netty channel type of a connection to {@code address}. */
    static Class<? extends Channel> socketChannelType(SocketAddress address) {
        return address instanceof DomainSocketAddress ? EpollDomainSocketChannel.class
                : unixSocketsAvailable() ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The Netty channel type of a listener on {@code address}. */
    static Class<? extends ServerChannel> serverChannelType(SocketAddress address) {
        return address instanceof DomainSocketAddress ? EpollServerDomainSocketChannel.class
                : unixSocketsAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The shared event loops. */
    static EventLoopGroup group() {
        EventLoopGroup current = group;
        if (current == null) {
            synchronized (Transport.class) {
                current = group;
                if (current == null) {
                    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
                    current = new MultiThreadIoEventLoopGroup(threads, daemonThreads("outpost-io"),
                            unixSocketsAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
                    group = current;
                }
            }
        }
        return current;
    }

    /**
     * Stops the process-wide event loop threads; for a process that is about to exit. A thread blocked in
     * native code ({@code epoll_wait}) holds the JVM's exit back by about 300 ms, in every plugin's stop.
     */
    public static void shutdownEventLoops() {
        EventLoopGroup current;
        synchronized (Transport.class) {
            current = group;
            group = null;
        }
        if (current != null) {
            current.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    /** A factory of named daemon threads: Outpost's threads must never keep a JVM alive. */
    public static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
