package dev.outpost.grpc;

import dev.outpost.wire.AutoMtls;
import dev.outpost.wire.Network;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
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
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
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

    /** gRPC's own limit; go-plugin hosts send and accept messages up to this size. */
    public static final int MAX_MESSAGE_SIZE = Integer.MAX_VALUE;

    private static volatile EventLoopGroup group;

    /*
     * Runs calls' handlers and callbacks, as grpc-java's default executor would: a cached pool of daemon
     * threads. grpc-java names its own threads through String.format, which loads the locale data (CLDR)
     * on the way to the handshake: about 10 ms of every plugin's start.
     */
    private static final Executor CALL_EXECUTOR = Executors.newCachedThreadPool(daemonThreads("outpost-call"));

    /*
     * grpc-java sets SO_KEEPALIVE on every channel, and Netty warns on each Unix socket connection
     * that the option does not apply. Route grpc's private Netty copy to java.util.logging, as the
     * rest of grpc-java logs, and silence its bootstrap warnings; the JUL loggers are kept referenced
     * here because JUL forgets the level of a logger that is garbage collected.
     */
    private static final java.util.logging.Logger[] QUIET_LOGGERS;

    /** Netty's system property for its buffer allocator's JFR events, under grpc's shaded package. */
    static final String NETTY_JFR = "io.grpc.netty.shaded.io.netty.jfr.enabled";

    static {
        // Netty 4.2 registers JFR events on its first buffer allocation, which loads and initialises about
        // 100 JFR classes in every plugin and host that nobody records. Off unless asked for.
        if (System.getProperty(NETTY_JFR) == null) {
            System.setProperty(NETTY_JFR, "false");
        }
        io.grpc.netty.shaded.io.netty.util.internal.logging.InternalLoggerFactory.setDefaultFactory(
                io.grpc.netty.shaded.io.netty.util.internal.logging.JdkLoggerFactory.INSTANCE);
        QUIET_LOGGERS = new java.util.logging.Logger[] {
                java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap"),
                java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap")};
        for (java.util.logging.Logger logger : QUIET_LOGGERS) {
            logger.setLevel(java.util.logging.Level.SEVERE);
        }
    }

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
        boolean unix = address instanceof DomainSocketAddress;
        if (unix && !unixSocketsAvailable()) {
            throw new IllegalStateException("Unix domain sockets need Linux with the epoll transport: "
                    + Epoll.unavailabilityCause());
        }
        Class<? extends Channel> channelType = unix ? EpollDomainSocketChannel.class
                : unixSocketsAvailable() ? EpollSocketChannel.class : NioSocketChannel.class;
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(address)
                .eventLoopGroup(group())
                .channelType(channelType)
                .executor(CALL_EXECUTOR)
                .offloadExecutor(CALL_EXECUTOR);
        if (tls != null) {
            builder.sslContext(tls.clientContext());
        } else {
            builder.usePlaintext();
        }
        return builder
                .overrideAuthority(AutoMtls.SERVER_NAME)
                .maxInboundMessageSize(MAX_MESSAGE_SIZE)
                .maxInboundMetadataSize(1 << 20)
                .intercept(interceptors)
                .build();
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
        boolean unix = address instanceof DomainSocketAddress;
        Class<? extends ServerChannel> channelType = unix ? EpollServerDomainSocketChannel.class
                : unixSocketsAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        NettyServerBuilder builder = NettyServerBuilder.forAddress(address)
                .bossEventLoopGroup(group())
                .workerEventLoopGroup(group())
                .channelType(channelType)
                .executor(CALL_EXECUTOR)
                .maxInboundMessageSize(MAX_MESSAGE_SIZE);
        if (tls != null) {
            builder.sslContext(tls.serverContext());
        }
        services.forEach(builder::addService);
        return builder.build().start();
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
