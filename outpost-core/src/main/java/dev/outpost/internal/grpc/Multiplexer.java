package dev.outpost.internal.grpc;

import dev.outpost.internal.yamux.YamuxDialAddress;
import dev.outpost.internal.yamux.YamuxException;
import dev.outpost.internal.yamux.YamuxListenAddress;
import dev.outpost.internal.yamux.YamuxServerChannel;
import dev.outpost.internal.yamux.YamuxSession;
import dev.outpost.internal.yamux.YamuxStream;
import dev.outpost.internal.yamux.YamuxStreamAddress;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * gRPC over one connection, as go-plugin multiplexes it since 1.6 (host option
 * {@code GRPCBrokerMultiplex}): the host opens a single connection to the plugin's socket and runs a
 * yamux session on it; the main gRPC connection and every brokered one are streams of that session,
 * TLS (under AutoMTLS) running per stream.
 *
 * <p>Streams carry no address, so a side that serves brokered connections learns which server the
 * next stream is for from the other side's knock on the broker stream ({@link #expect}): the plugin
 * hands streams nobody knocked for to its main server; the host refuses them.
 *
 * <p>Everything of one multiplexed connection runs on one event loop. Not part of the public API.
 */
public final class Multiplexer implements AutoCloseable {

    /** How long a plugin waits for its host's connection, as go-plugin does. */
    public static final Duration SESSION_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(Multiplexer.class);

    private final String name;
    private final EventLoop loop;
    private final CompletableFuture<YamuxSession> session;
    private volatile Channel listener;
    private final Map<Integer, YamuxServerChannel> brokerServers = new ConcurrentHashMap<>();
    private final Queue<Integer> knocked = new ConcurrentLinkedQueue<>();
    private volatile YamuxServerChannel mainServer;

    private Multiplexer(String name, EventLoop loop, CompletableFuture<YamuxSession> session) {
        this.name = name;
        this.loop = loop;
        this.session = session;
    }

    /**
     * The host's side: connects to the plugin's socket and starts the session.
     *
     * @param name whose connection this is, for messages: {@code plugin 'kv'}
     * @throws IOException when the plugin's socket does not take the connection
     */
    public static Multiplexer connect(SocketAddress plugin, String name) throws IOException {
        EventLoop loop = Transport.nextEventLoop();
        CompletableFuture<YamuxSession> session = new CompletableFuture<>();
        Multiplexer mux = new Multiplexer(name, loop, session);
        ChannelFuture connected = new Bootstrap().group(loop).channel(Transport.socketChannelType(plugin))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel connection) {
                        // Before the connection reads anything: what the plugin sends first must not be lost.
                        YamuxSession started = YamuxSession.client(connection, name, YamuxSession.Config.defaults());
                        started.acceptor(mux::route);
                        session.complete(started);
                    }
                }).connect(plugin).awaitUninterruptibly();
        if (!connected.isSuccess()) {
            throw new IOException(name + ": cannot open the multiplexed connection to " + plugin + ": "
                    + connected.cause().getMessage(), connected.cause());
        }
        return mux;
    }

    /**
     * The plugin's side: listens on {@code socket}; the first connection, the host's, carries the
     * session. Later connections are refused. Without a connection within {@link #SESSION_TIMEOUT}
     * the multiplexer closes ({@link #onClose()} fails).
     *
     * @param name who is on the other side, for messages: {@code the host}
     */
    public static Multiplexer listen(SocketAddress socket, String name) throws IOException {
        EventLoop loop = Transport.nextEventLoop();
        CompletableFuture<YamuxSession> session = new CompletableFuture<>();
        Multiplexer mux = new Multiplexer(name, loop, session);
        ChannelFuture bound = new ServerBootstrap().group(Transport.group(), loop)
                .channel(Transport.serverChannelType(socket))
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel connection) {
                        // On the loop, as the timeout is: one of the two settles the session.
                        if (session.isDone()) {
                            LOG.warn("{}: refusing a second connection to the multiplexed plugin socket", name);
                            connection.close();
                            return;
                        }
                        YamuxSession accepted = YamuxSession.server(connection, name, YamuxSession.Config.defaults());
                        accepted.acceptor(mux::route);
                        session.complete(accepted);
                    }
                }).bind(socket).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new IOException("cannot listen on " + socket + ": " + bound.cause().getMessage(), bound.cause());
        }
        mux.listener = bound.channel();
        loop.schedule(() -> {
            if (session.completeExceptionally(new YamuxException(name + " did not connect within "
                    + SESSION_TIMEOUT.toMillis() + " ms of the handshake"))) {
                mux.close();
            }
        }, SESSION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        return mux;
    }

    /**
     * A channel each of whose connections is a new stream, opened when {@code gate} lets it (at
     * once for the main connection, after a knock for a brokered one).
     *
     * @param description what the channel reaches, for messages
     */
    public ManagedChannel channel(String description, YamuxDialAddress.Gate gate, MutualTls tls, int maxMessageSize,
                                  ClientInterceptor... interceptors) {
        YamuxDialAddress address = new YamuxDialAddress(session(), gate, description);
        return Transport.configure(Transport.withoutKeepAlive(NettyChannelBuilder.forAddress(address)
                .channelFactory(YamuxStream::new, YamuxDialAddress.class)
                .eventLoopGroup(loop)), tls, maxMessageSize, interceptors).build();
    }

    /**
     * Serves {@code services} on the streams meant for broker id {@code brokerId}, or, with null, on
     * every stream nobody knocked for (the plugin's main server).
     */
    public Server server(Integer brokerId, List<ServerServiceDefinition> services, MutualTls tls, int maxMessageSize)
            throws IOException {
        return server(brokerId, services, tls, maxMessageSize, java.util.Set.of());
    }

    /** A server as {@link #server(Integer, List, MutualTls, int)} that runs the methods {@code inline} names inline. */
    public Server server(Integer brokerId, List<ServerServiceDefinition> services, MutualTls tls, int maxMessageSize,
                         java.util.Set<String> inline) throws IOException {
        String what = brokerId == null ? "main server" : "broker id " + brokerId;
        YamuxListenAddress address = new YamuxListenAddress(bound -> {
            if (brokerId == null) {
                mainServer = bound;
            } else {
                brokerServers.put(brokerId, bound);
            }
        }, closed -> {
            if (brokerId == null) {
                mainServer = null;
            } else {
                brokerServers.remove(brokerId, closed);
            }
        }, name + " " + what);
        // The streams' loop is the connection's: one thread for everything of this connection.
        return Transport.configure(Transport.withoutKeepAlive(NettyServerBuilder.forAddress(address)
                .channelFactory(YamuxServerChannel::new).bossEventLoopGroup(loop).workerEventLoopGroup(loop)), services, tls,
                maxMessageSize, inline).build().start();
    }

    /** Whether a server listens for broker id {@code brokerId}. */
    public boolean listening(int brokerId) {
        return brokerServers.containsKey(brokerId);
    }

    /**
     * The next stream the other side opens goes to the server of {@code brokerId}: call before
     * acknowledging its knock, which it waits for before it opens the stream.
     */
    public void expect(int brokerId) {
        knocked.add(brokerId);
    }

    /**
     * Completes when the session ends: normally when closed here, with a {@link YamuxException}
     * when the other side went away or broke the protocol, or never connected.
     */
    public CompletableFuture<Void> onClose() {
        return session.thenCompose(YamuxSession::onClose);
    }

    /** Where the plugin's side listens for its host's connection (null on the host's side). */
    public SocketAddress listenAddress() {
        Channel current = listener;
        return current == null ? null : current.localAddress();
    }

    /** The address of the connection's other end, as the socket reports it. */
    public SocketAddress remoteAddress() {
        return session().connection().remoteAddress();
    }

    /** Whether {@code address} (a call's peer address, say) is a stream of this multiplexed connection. */
    public boolean carries(SocketAddress address) {
        YamuxSession current = current();
        return current != null && address instanceof YamuxStreamAddress stream
                && (stream.connection().equals(current.connection().remoteAddress())
                || stream.connection().equals(current.connection().localAddress()));
    }

    /** Ends the session (a go-away, then the connection closes) and stops listening. */
    @Override
    public void close() {
        if (listener != null) {
            listener.close();
        }
        YamuxSession current = current();
        if (current != null) {
            current.close();
        } else {
            session.completeExceptionally(new YamuxException(name + ": closed before it connected"));
        }
    }

    /** The session, or null while there is none. */
    private YamuxSession current() {
        return session.isDone() && !session.isCompletedExceptionally() ? session.join() : null;
    }

    private YamuxSession session() {
        YamuxSession current = current();
        if (current == null) {
            throw new IllegalStateException(name + " has not connected to the multiplexed plugin socket");
        }
        return current;
    }

    /** Where a stream the other side opened goes: the server it knocked for, else the main server. */
    private boolean route(YamuxStream stream) {
        Integer brokerId = knocked.poll();
        YamuxServerChannel server = brokerId != null ? brokerServers.get(brokerId) : mainServer;
        if (server == null) {
            LOG.debug("{}: no server for yamux stream {}{}", name, stream.streamId(),
                    brokerId != null ? " (knocked for broker id " + brokerId + ")" : "");
            return false;
        }
        return server.accept(stream);
    }
}
