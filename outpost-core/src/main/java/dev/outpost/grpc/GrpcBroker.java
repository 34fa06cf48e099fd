package dev.outpost.grpc;

import dev.outpost.wire.Network;
import dev.outpost.wire.proto.ConnInfo;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * go-plugin's GRPCBroker: lets either side serve extra gRPC servers (callbacks) and the other side
 * connect to them by a numeric id. Each side announces its listeners as {@link ConnInfo} messages on
 * one bidirectional stream the host opens; ids are per direction. Thread-safe.
 */
public final class GrpcBroker implements AutoCloseable {

    /** go-plugin waits this long for an announcement before a dial fails. */
    public static final Duration DEFAULT_DIAL_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(GrpcBroker.class);

    private final String owner;
    private final Listeners listeners;
    private final Duration dialTimeout;
    private final MutualTls tls;
    private final int maxMessageSize;
    private final AtomicInteger nextId = new AtomicInteger();
    private final Map<Integer, CompletableFuture<ConnInfo>> announcements = new ConcurrentHashMap<>();
    private final CompletableFuture<StreamObserver<ConnInfo>> outbound = new CompletableFuture<>();
    private final List<Server> servers = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<Runnable> closeActions = new CopyOnWriteArrayList<>();

    /**
     * @param owner       who this broker belongs to, for messages (a plugin name)
     * @param listeners   a fresh address for each server this side accepts on, e.g. {@code () -> address}
     * @param dialTimeout how long {@link #dial} waits for the other side's announcement
     */
    public GrpcBroker(String owner, Listeners listeners, Duration dialTimeout) {
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
    public GrpcBroker(String owner, Listeners listeners, Duration dialTimeout, MutualTls tls) {
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
    public GrpcBroker(String owner, Listeners listeners, Duration dialTimeout, MutualTls tls, int maxMessageSize) {
        if (maxMessageSize <= 0) {
            throw new IllegalArgumentException("maxMessageSize must be positive, got " + maxMessageSize);
        }
        this.owner = owner;
        this.listeners = listeners;
        this.dialTimeout = dialTimeout;
        this.tls = tls;
        this.maxMessageSize = maxMessageSize;
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

    /** The next id for a server of this side: 1, 2, 3… */
    public int nextId() {
        return nextId.incrementAndGet();
    }

    /**
     * Serves {@code services} on a new listener and announces it as {@code id}; the server runs until
     * this broker closes or the returned handle is closed.
     */
    public AutoCloseable acceptAndServe(int id, List<ServerServiceDefinition> services) {
        ensureOpen();
        SocketAddress address = listeners.next();
        Server server;
        try {
            server = Transport.server(address, services, tls, maxMessageSize);
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
    public ManagedChannel dial(int id, ClientInterceptor... interceptors) {
        ensureOpen();
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
                if (info.hasKnock()) {
                    LOG.debug("{}: ignoring multiplexing knock for broker id {}", owner, info.getServiceId());
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
    public String owner() {
        return owner;
    }

    /** Runs {@code action} when the broker closes (at once if it is closed). */
    public void onClose(Runnable action) {
        closeActions.add(action);
        if (closed.get() && closeActions.remove(action)) {
            action.run();
        }
    }

    /** Whether {@link #close} ran or the stream ended. */
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
    }

    /** A broker operation that cannot complete. */
    public static final class BrokerException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public BrokerException(String message) {
            super(message);
        }

        public BrokerException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
