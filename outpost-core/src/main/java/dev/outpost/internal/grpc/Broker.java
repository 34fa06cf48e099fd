package dev.outpost.internal.grpc;

import dev.outpost.grpc.GrpcBroker;

import dev.outpost.Network;
import dev.outpost.internal.wire.proto.ConnInfo;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * go-plugin's GRPCBroker: lets either side serve extra gRPC servers (callbacks) and the other side
 * connect to them by a numeric id, over one bidirectional stream of {@link ConnInfo} messages the host
 * opens; ids are per direction. Thread-safe.
 *
 * <p>Without multiplexing, each side announces a socket it listens on for an id, and one dial of the
 * other side uses up one announcement. Multiplexed ({@link #multiplexed}, go-plugin 1.6+), nothing
 * listens: the dialing side knocks for the id, the serving side acknowledges once it expects the
 * stream, and the dialer opens a new stream of the one connection. Knocks and their streams go one at
 * a time, or two dials could swap their streams.
 */
public final class Broker implements GrpcBroker, AutoCloseable {

    /** go-plugin waits this long for an announcement before a dial fails. */
    public static final Duration DEFAULT_DIAL_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);

    private final String owner;
    private final Listeners listeners;
    private final Multiplexer mux;
    private final Map<Integer, CompletableFuture<ConnInfo>> knockAcks = new ConcurrentHashMap<>();
    /** The last dial's knock and stream opening: the next one waits for it. Guarded by this. */
    private CompletableFuture<Void> dialTurn = CompletableFuture.completedFuture(null);
    private final Duration dialTimeout;
    private final MutualTls tls;
    private final int maxMessageSize;
    private final CallTracing tracing;
    private final AtomicInteger nextId = new AtomicInteger();
    private final Map<Integer, CompletableFuture<ConnInfo>> announcements = new ConcurrentHashMap<>();
    private final CompletableFuture<StreamObserver<ConnInfo>> outbound = new CompletableFuture<>();
    private final List<Server> servers = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<Runnable> closeActions = new CopyOnWriteArrayList<>();
    private final Map<Class<?>, Object> attachments = new ConcurrentHashMap<>();

    /**
     * @param owner       who this broker belongs to, for messages (a plugin name)
     * @param listeners   a fresh address for each server this side accepts on, e.g. {@code () -> address}
     * @param dialTimeout how long {@link #dial} waits for the other side's announcement
     */
    public Broker(String owner, Listeners listeners, Duration dialTimeout) {
        this(owner, listeners, dialTimeout, null);
    }

    /**
     * A broker whose listeners and dials use mutual TLS when {@code tls} is not null (AutoMTLS):
     * listeners require the peer's certificate, dials accept only the peer's certificate.
     *
     * @param owner       who this broker belongs to, for messages (a plugin name)
     * @param listeners   a fresh address for each server this side accepts on, and what to do once it listens
     * @param dialTimeout how long {@link #dial} waits for the other side's announcement
     * @param tls         the AutoMTLS contexts, or null for plaintext
     */
    public Broker(String owner, Listeners listeners, Duration dialTimeout, MutualTls tls) {
        this(owner, listeners, dialTimeout, tls, Transport.MAX_MESSAGE_SIZE);
    }

    /**
     * A broker whose servers and dials accept and send messages of at most {@code maxMessageSize} bytes.
     *
     * @param owner          who this broker belongs to, for messages (a plugin name)
     * @param listeners      a fresh address for each server this side accepts on, and what to do once it listens
     * @param dialTimeout    how long {@link #dial} waits for the other side's announcement
     * @param tls            the AutoMTLS contexts, or null for plaintext
     * @param maxMessageSize the largest message, in bytes, accepted by this side's servers and sent or
     *                       accepted on its dials
     */
    public Broker(String owner, Listeners listeners, Duration dialTimeout, MutualTls tls, int maxMessageSize) {
        this(owner, listeners, dialTimeout, tls, maxMessageSize, CallTracing.OFF);
    }

    /**
     * A broker as {@link #Broker(String, Listeners, Duration, MutualTls, int)} whose servers and dials
     * are traced by {@code tracing}.
     *
     * @param owner          who this broker belongs to, for messages (a plugin name)
     * @param listeners      a fresh address for each server this side accepts on, and what to do once it listens
     * @param dialTimeout    how long {@link #dial} waits for the other side's announcement
     * @param tls            the AutoMTLS contexts, or null for plaintext
     * @param maxMessageSize the largest message, in bytes, accepted by this side's servers and sent or
     *                       accepted on its dials
     * @param tracing        whether and how the calls on its servers and dials are traced
     */
    public Broker(String owner, Listeners listeners, Duration dialTimeout, MutualTls tls, int maxMessageSize,
                      CallTracing tracing) {
        this(owner, java.util.Objects.requireNonNull(listeners, "listeners"), null, dialTimeout, tls, maxMessageSize,
                tracing);
    }

    private Broker(String owner, Listeners listeners, Multiplexer mux, Duration dialTimeout, MutualTls tls,
                       int maxMessageSize, CallTracing tracing) {
        if (maxMessageSize <= 0) {
            throw new IllegalArgumentException("maxMessageSize must be positive, got " + maxMessageSize);
        }
        this.owner = owner;
        this.listeners = listeners;
        this.mux = mux;
        this.dialTimeout = dialTimeout;
        this.tls = tls;
        this.maxMessageSize = maxMessageSize;
        this.tracing = java.util.Objects.requireNonNull(tracing, "tracing");
    }

    /** Where this side's brokered servers listen. */
    @FunctionalInterface
    public interface Listeners {
        /** A fresh address for the next server. */
        SocketAddress next();

        /** Runs once a server listens on {@code address}, before it is announced (e.g. to restrict its socket). */
        default void listening(SocketAddress address) throws IOException {
        }
    }

    /**
     * A broker whose connections are streams of {@code mux}'s one connection (go-plugin's broker
     * multiplexing): it opens no socket.
     *
     * @param owner          who this broker belongs to, for messages (a plugin name)
     * @param dialTimeout    how long {@link #dial} waits for the other side to acknowledge its knock
     * @param tls            the AutoMTLS contexts, or null for plaintext
     * @param maxMessageSize the largest message, in bytes, accepted by this side's servers and sent or
     *                       accepted on its dials
     */
    public static Broker multiplexed(String owner, Multiplexer mux, Duration dialTimeout, MutualTls tls,
                                         int maxMessageSize) {
        return multiplexed(owner, mux, dialTimeout, tls, maxMessageSize, CallTracing.OFF);
    }

    /**
     * A multiplexed broker as {@link #multiplexed(String, Multiplexer, Duration, MutualTls, int)} whose
     * servers and dials are traced by {@code tracing}.
     *
     * @param owner          who this broker belongs to, for messages (a plugin name)
     * @param mux            the one connection whose streams carry the broker's connections
     * @param dialTimeout    how long {@link #dial} waits for the other side to acknowledge its knock
     * @param tls            the AutoMTLS contexts, or null for plaintext
     * @param maxMessageSize the largest message, in bytes, accepted by this side's servers and sent or
     *                       accepted on its dials
     * @param tracing        whether and how the calls on its servers and dials are traced
     */
    public static Broker multiplexed(String owner, Multiplexer mux, Duration dialTimeout, MutualTls tls,
                                         int maxMessageSize, CallTracing tracing) {
        return new Broker(owner, null, java.util.Objects.requireNonNull(mux, "mux"), dialTimeout, tls,
                maxMessageSize, tracing);
    }

    /** Whether this broker's connections are streams of one multiplexed connection. */
    @Override
    public boolean isMultiplexed() {
        return mux != null;
    }

    /** The next id for a server of this side: 1, 2, 3… */
    @Override
    public int nextId() {
        return nextId.incrementAndGet();
    }

    /**
     * Serves {@code services} on a new listener and announces it as {@code id}; the server runs until
     * this broker closes or the returned handle is closed.
     */
    @Override
    public AutoCloseable acceptAndServe(int id, List<ServerServiceDefinition> services) {
        ensureOpen();
        List<ServerServiceDefinition> traced = tracing.intercept(services);
        if (mux != null) {
            Server server;
            try {
                server = mux.server(id, traced, tls, maxMessageSize);
            } catch (IOException e) {
                throw new UncheckedIOException(owner + ": broker cannot serve id " + id + " on the multiplexed "
                        + "connection", e);
            }
            servers.add(server);
            return () -> {
                servers.remove(server);
                server.shutdownNow();
            };
        }
        SocketAddress address = listeners.next();
        Server server;
        try {
            server = Transport.server(address, traced, tls, maxMessageSize);
        } catch (IOException e) {
            throw new UncheckedIOException(owner + ": broker cannot listen for id " + id + " on " + address, e);
        }
        try {
            listeners.listening(address);
        } catch (IOException e) {
            server.shutdownNow();
            throw new UncheckedIOException(owner + ": broker cannot prepare its listener for id " + id + " on "
                    + address + ": " + e.getMessage(), e);
        }
        servers.add(server);
        Network network = address instanceof DomainSocketAddress ? Network.UNIX : Network.TCP;
        String wireAddress = address instanceof DomainSocketAddress unix ? unix.path()
                : "127.0.0.1:" + ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
        send(ConnInfo.newBuilder().setServiceId(id).setNetwork(network.wireName()).setAddress(wireAddress).build());
        return () -> {
            servers.remove(server);
            server.shutdownNow();
        };
    }

    /**
     * Connects to the other side's server {@code id}, waiting for its announcement. An announcement is
     * used up by its dial: keep the channel for later calls.
     *
     * @throws BrokerException when no announcement arrives in time or the broker is closed
     */
    @Override
    public ManagedChannel dial(int id, ClientInterceptor... given) {
        ensureOpen();
        ClientInterceptor[] interceptors = tracing.outermost(given);
        if (mux != null) {
            // Each connection the channel makes knocks again, as go-plugin's dialer does.
            return mux.channel(owner + " broker id " + id, open -> knockThenOpen(id, open), tls, maxMessageSize,
                    interceptors);
        }
        CompletableFuture<ConnInfo> slot = announcements.computeIfAbsent(id, key -> new CompletableFuture<>());
        ConnInfo info;
        try {
            info = slot.get(dialTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new BrokerException(owner + ": timeout waiting for connection info of broker id " + id
                    + " (waited " + dialTimeout.toMillis() + " ms)");
        } catch (ExecutionException e) {
            throw new BrokerException(owner + ": broker closed while waiting for id " + id, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerException(owner + ": interrupted waiting for broker id " + id);
        } finally {
            announcements.remove(id, slot);
        }
        Network network;
        try {
            network = Network.fromWireName(info.getNetwork());
        } catch (IllegalArgumentException e) {
            throw new BrokerException(owner + ": broker id " + id + ": " + e.getMessage());
        }
        return Transport.channel(Transport.address(network, info.getAddress()), tls, maxMessageSize, interceptors);
    }

    /** Wires this broker to its stream; called once by the host or plugin plumbing. */
    public StreamObserver<ConnInfo> attach(StreamObserver<ConnInfo> toPeer) {
        outbound.complete(toPeer);
        return new StreamObserver<>() {
            @Override
            public void onNext(ConnInfo info) {
                if (info.hasKnock() && info.getKnock().getKnock()) {
                    if (info.getKnock().getAck()) {
                        acknowledged(info);
                    } else {
                        knocked(info.getServiceId());
                    }
                    return;
                }
                CompletableFuture<ConnInfo> slot = announcements.computeIfAbsent(info.getServiceId(),
                        key -> new CompletableFuture<>());
                if (!slot.complete(info)) {
                    LOG.debug("{}: dropping second announcement for broker id {}", owner, info.getServiceId());
                    return;
                }
                // As go-plugin, an announcement nobody dials is forgotten after the dial timeout.
                CompletableFuture.delayedExecutor(dialTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .execute(() -> announcements.remove(info.getServiceId(), slot));
            }

            @Override
            public void onError(Throwable error) {
                LOG.debug("{}: broker stream ended: {}", owner, error.toString());
                close();
            }

            @Override
            public void onCompleted() {
                close();
            }
        };
    }

    /** The other side wants to dial {@code id}: expect its stream, or say why not. */
    private void knocked(int id) {
        String error = mux == null ? "broker multiplexing is not enabled on this side"
                : mux.listening(id) ? "" : "no listener for id " + id;
        if (error.isEmpty()) {
            mux.expect(id);
        } else {
            LOG.debug("{}: refusing a knock for broker id {}: {}", owner, id, error);
        }
        try {
            send(ConnInfo.newBuilder().setServiceId(id).setKnock(ConnInfo.Knock.newBuilder().setKnock(true)
                    .setAck(true).setError(error)).build());
        } catch (BrokerException e) {
            LOG.debug("{}: cannot acknowledge the knock for broker id {}: {}", owner, id, e.getMessage());
        }
    }

    private void acknowledged(ConnInfo info) {
        CompletableFuture<ConnInfo> ack = knockAcks.get(info.getServiceId());
        if (ack == null || !ack.complete(info)) {
            LOG.debug("{}: unexpected knock acknowledgement for broker id {}", owner, info.getServiceId());
        }
    }

    /** Knocks for {@code id}, then opens the stream, after the previous dial's knock and stream. */
    private synchronized CompletableFuture<Void> knockThenOpen(int id, Supplier<CompletableFuture<Void>> open) {
        CompletableFuture<Void> turn = dialTurn.handle((ignored, error) -> (Void) null)
                .thenComposeAsync(ignored -> knock(id), Transport.callExecutor())
                .thenCompose(ignored -> open.get());
        dialTurn = turn;
        return turn;
    }

    private CompletableFuture<Void> knock(int id) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new BrokerException(owner + ": broker closed"));
        }
        CompletableFuture<ConnInfo> ack = new CompletableFuture<>();
        knockAcks.put(id, ack);
        try {
            send(ConnInfo.newBuilder().setServiceId(id).setKnock(ConnInfo.Knock.newBuilder().setKnock(true)).build());
        } catch (BrokerException e) {
            knockAcks.remove(id, ack);
            return CompletableFuture.failedFuture(e);
        }
        return ack.orTimeout(dialTimeout.toMillis(), TimeUnit.MILLISECONDS).handle((info, error) -> {
            knockAcks.remove(id, ack);
            if (error instanceof TimeoutException) {
                throw new BrokerException(owner + ": timeout waiting for multiplexing knock handshake on id " + id);
            } else if (error != null) {
                throw new BrokerException(owner + ": broker closed while knocking for id " + id, error);
            } else if (!info.getKnock().getError().isEmpty()) {
                throw new BrokerException(owner + ": failed to knock for id " + id + ": " + info.getKnock().getError());
            }
            return null;
        });
    }

    private void send(ConnInfo info) {
        StreamObserver<ConnInfo> stream;
        try {
            stream = outbound.get(dialTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new BrokerException(owner + ": the broker stream was not opened within "
                    + dialTimeout.toMillis() + " ms");
        } catch (ExecutionException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new BrokerException(owner + ": broker closed", e);
        }
        synchronized (stream) {
            stream.onNext(info);
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new BrokerException(owner + ": broker closed");
        }
    }

    /** Who this broker belongs to, as given to the constructor. */
    @Override
    public String owner() {
        return owner;
    }

    /**
     * The state of {@code type} kept with this broker's connection (the interface mode keeps its exported
     * and imported callbacks so), made by {@code create} on first use. It belongs to the broker: it is
     * dropped when the broker closes, and nothing else holds it.
     */
    @Override
    public <T> T attachment(Class<T> type, Function<GrpcBroker, T> create) {
        return type.cast(attachments.computeIfAbsent(type, key -> create.apply(this)));
    }

    /** Runs {@code action} when the broker closes (at once if it is closed). */
    @Override
    public void onClose(Runnable action) {
        closeActions.add(action);
        if (closed.get() && closeActions.remove(action)) {
            action.run();
        }
    }

    /** Whether {@link #close} ran or the stream ended. */
    @Override
    public boolean isClosed() {
        return closed.get();
    }

    /** Ends the stream and stops every server this side accepted on. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        BrokerException closedError = new BrokerException(owner + ": broker closed");
        announcements.values().forEach(slot -> slot.completeExceptionally(closedError));
        knockAcks.values().forEach(ack -> ack.completeExceptionally(closedError));
        if (!outbound.completeExceptionally(closedError)) {
            StreamObserver<ConnInfo> stream = outbound.join();
            synchronized (stream) {
                try {
                    stream.onCompleted();
                } catch (RuntimeException e) {
                    LOG.trace("{}: closing broker stream: {}", owner, e.toString());
                }
            }
        }
        servers.forEach(Server::shutdownNow);
        servers.clear();
        for (Runnable action : closeActions) {
            if (closeActions.remove(action)) {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    LOG.warn("{}: broker close action failed", owner, e);
                }
            }
        }
        attachments.clear();
    }
}
