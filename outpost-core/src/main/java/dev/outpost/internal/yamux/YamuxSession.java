package dev.outpost.internal.yamux;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A yamux session (HashiCorp's stream multiplexer, as go-plugin uses it since 1.6) over one
 * connection: many {@link YamuxStream}s, each a Netty channel of its own, share the connection with
 * per-stream flow control. The host is the client (odd stream ids), the plugin the server (even
 * ids); there is no preface.
 *
 * <p>Everything runs on the connection's event loop, and so must the streams: no locks, no hand-offs
 * between threads. A peer that breaks the protocol (garbage, a frame for a stream that never existed,
 * more data than its window allows, a duplicate stream) is sent a go-away with code 1 and the
 * connection is closed; every stream then fails with a {@link YamuxException} naming the session.
 * Pings are answered; a keep-alive ping of our own that goes unanswered ends the session too.
 */
public final class YamuxSession {

    private static final Logger LOG = LoggerFactory.getLogger(YamuxSession.class);

    /** What to do with a stream the peer opened: hand it to a listener (true) or refuse it (false, a reset). */
    @FunctionalInterface
    public interface Acceptor {
        boolean accept(YamuxStream stream);
    }

    /**
     * Session settings; {@link #defaults()} are yamux's own.
     *
     * @param maxWindow          the receive window granted to each stream, at least 256 KiB
     * @param keepAliveInterval  how often to ping the peer; zero for never
     * @param keepAliveTimeout   how long a ping may go unanswered before the session is given up
     * @param streamCloseTimeout how long a stream closed on this side waits for the peer's close
     */
    public record Config(int maxWindow, Duration keepAliveInterval, Duration keepAliveTimeout,
                         Duration streamCloseTimeout) {
        public Config {
            if (maxWindow < Frame.INITIAL_WINDOW) {
                throw new IllegalArgumentException("the window must be at least " + Frame.INITIAL_WINDOW + " bytes");
            }
            Objects.requireNonNull(keepAliveInterval, "keepAliveInterval");
            Objects.requireNonNull(keepAliveTimeout, "keepAliveTimeout");
            Objects.requireNonNull(streamCloseTimeout, "streamCloseTimeout");
        }

        /** yamux's defaults: 256 KiB windows, a ping every 30 s answered within 10 s, 5 min to close. */
        public static Config defaults() {
            return new Config(Frame.INITIAL_WINDOW, Duration.ofSeconds(30), Duration.ofSeconds(10),
                    Duration.ofMinutes(5));
        }
    }

    private final String name;
    private final boolean client;
    private final Channel connection;
    private final Config config;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final Map<Integer, YamuxStream> streams = new HashMap<>();
    private final Map<Integer, PendingPing> pings = new HashMap<>();
    private int nextStreamId;
    private int highestPeerStreamId;
    private int nextPingId;
    private boolean localGoAway;
    private boolean remoteGoAway;
    private boolean ended;
    /** Why the session ended, for whoever tries to open a stream afterwards; null after a normal close. */
    private YamuxException endCause;
    private volatile int streamCount;
    private volatile Acceptor acceptor = stream -> false;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> keepAlive;

    private YamuxSession(String name, boolean client, Channel connection, Config config) {
        this.name = name;
        this.client = client;
        this.connection = connection;
        this.config = config;
        this.nextStreamId = client ? 1 : 2;
    }

    /**
     * The host's side of a session on {@code connection}, which must be connected and read nothing yet.
     *
     * @param name whose connection this is, for messages: {@code plugin 'kv'}
     */
    public static YamuxSession client(Channel connection, String name, Config config) {
        return attach(new YamuxSession(name, true, connection, config));
    }

    /** The plugin's side of a session on {@code connection}, accepted from the host. */
    public static YamuxSession server(Channel connection, String name, Config config) {
        return attach(new YamuxSession(name, false, connection, config));
    }

    private static YamuxSession attach(YamuxSession session) {
        Channel connection = session.connection;
        Runnable install = () -> connection.pipeline().addLast(new FrameDecoder(session.config.maxWindow()),
                session.new Handler());
        if (connection.eventLoop().inEventLoop()) {
            install.run();
        } else {
            connection.eventLoop().submit(install).syncUninterruptibly();
        }
        return session;
    }

    /** Who this session belongs to, as given when it was made. */
    public String name() {
        return name;
    }

    /** The event loop of the connection; every stream of the session must be registered on it. */
    public EventLoop eventLoop() {
        return connection.eventLoop();
    }

    /** The underlying connection. */
    public Channel connection() {
        return connection;
    }

    /** Where streams opened by the peer are handed; by default every one is refused. */
    public void acceptor(Acceptor acceptor) {
        this.acceptor = Objects.requireNonNull(acceptor, "acceptor");
    }

    /** How many streams are open (or closing) now. */
    public int streamCount() {
        return streamCount;
    }

    /**
     * Completes when the session ends: normally after {@link #close()}, with a {@link YamuxException}
     * when the peer went away, broke the protocol, stopped answering, or the connection was lost.
     */
    public CompletableFuture<Void> onClose() {
        return closed.copy();
    }

    /** Whether the session still carries streams. */
    public boolean isOpen() {
        return !closed.isDone();
    }

    /** Sends a go-away (no new streams, please), then closes the connection and every stream. */
    public void close() {
        execute(() -> {
            if (ended) {
                return;
            }
            localGoAway = true;
            writeFrame(Frame.GO_AWAY, 0, 0, Frame.NORMAL);
            flush();
            end(null);
        });
    }

    /** A ping: completes with the round trip, or fails when no answer comes within the keep-alive timeout. */
    public CompletableFuture<Duration> ping() {
        CompletableFuture<Duration> answered = new CompletableFuture<>();
        execute(() -> sendPing(answered));
        return answered;
    }

    // ---- used by streams, on the event loop ------------------------------------------------------------

    int maxWindow() {
        return config.maxWindow();
    }

    Duration streamCloseTimeout() {
        return config.streamCloseTimeout();
    }

    SocketAddress localAddress() {
        return connection.localAddress();
    }

    SocketAddress remoteAddress() {
        return connection.remoteAddress();
    }

    /** Gives {@code stream} the next id of this side and sends the opening frame (a window update with SYN). */
    void open(YamuxStream stream) throws YamuxException {
        if (ended) {
            throw new YamuxException(endCause != null ? endCause.getMessage()
                    : name + ": the multiplexed connection is closed", false, endCause);
        }
        if (remoteGoAway) {
            throw new YamuxException(name + ": the peer accepts no new streams (it sent a go-away)");
        }
        int id = nextStreamId;
        if (Integer.compareUnsigned(id, -2) >= 0) {
            throw new YamuxException(name + ": no stream ids left on this connection");
        }
        nextStreamId += 2;
        streams.put(id, stream);
        streamCount = streams.size();
        stream.opened(this, id);
        writeFrame(Frame.WINDOW_UPDATE, Frame.SYN, id, 0);
        flush();
    }

    void removed(YamuxStream stream) {
        if (streams.remove(stream.streamId(), stream)) {
            streamCount = streams.size();
        }
    }

    void writeFrame(int type, int flags, int streamId, long length) {
        if (!connection.eventLoop().inEventLoop()) {
            // Only a stream misregistered on another loop gets here (and then closes); keep its frames in order.
            connection.eventLoop().execute(() -> writeFrame(type, flags, streamId, length));
            return;
        }
        if (ended && type != Frame.GO_AWAY) {
            return;
        }
        ByteBuf header = ctx.alloc().buffer(Frame.HEADER_SIZE);
        Frame.writeHeader(header, type, flags, streamId, length);
        ctx.write(header, ctx.voidPromise());
    }

    /** Part of a data frame's payload, after its {@link #writeFrame header}. */
    void writeFrameData(ByteBuf data) {
        if (ended) {
            data.release();
            return;
        }
        ctx.write(data, ctx.voidPromise());
    }

    void flush() {
        if (connection.eventLoop().inEventLoop()) {
            ctx.flush();
        } else {
            connection.eventLoop().execute(ctx::flush);
        }
    }

    ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return connection.eventLoop().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    // ---- frames from the peer ----------------------------------------------------------------------------

    private void onFrame(Frame frame) throws YamuxException {
        switch (frame.type()) {
            case Frame.DATA, Frame.WINDOW_UPDATE -> onStreamFrame(frame);
            case Frame.PING -> onPing(frame);
            default -> onGoAway(frame);
        }
    }

    private void onStreamFrame(Frame frame) throws YamuxException {
        ByteBuf data = frame.data();
        try {
            int id = frame.streamId();
            if (id == 0) {
                throw YamuxException.protocol(Frame.typeName(frame.type()) + " frame for stream 0 (the session)");
            }
            if (frame.has(Frame.SYN)) {
                incoming(id);
            }
            YamuxStream stream = streams.get(id);
            if (stream == null) {
                if (!existed(id)) {
                    throw YamuxException.protocol(frame + " for a stream that was never opened");
                }
                return; // closed here, or refused: what is still on its way is dropped, as yamux does
            }
            if (frame.type() == Frame.WINDOW_UPDATE) {
                stream.onWindowUpdate(frame.length(), frame.flags());
            } else {
                data = null; // the stream owns it now
                stream.onData(frame.data(), frame.flags());
            }
        } finally {
            ReferenceCountUtil.release(data);
        }
    }

    private boolean peerParity(int id) {
        return (id & 1) == (client ? 0 : 1);
    }

    private boolean existed(int id) {
        return peerParity(id) ? Integer.compareUnsigned(id, highestPeerStreamId) <= 0
                : Integer.compareUnsigned(id, nextStreamId) < 0;
    }

    private void incoming(int id) throws YamuxException {
        if (!peerParity(id)) {
            throw YamuxException.protocol("the peer opened stream " + Integer.toUnsignedString(id)
                    + ", an id of this side's parity");
        }
        if (Integer.compareUnsigned(id, highestPeerStreamId) <= 0) {
            throw YamuxException.protocol("the peer opened stream " + Integer.toUnsignedString(id) + " again, or"
                    + " out of order (last opened: " + Integer.toUnsignedString(highestPeerStreamId) + ")");
        }
        highestPeerStreamId = id;
        if (localGoAway) {
            writeFrame(Frame.WINDOW_UPDATE, Frame.RST, id, 0);
            flush();
            return;
        }
        YamuxStream stream = new YamuxStream(this, id);
        streams.put(id, stream);
        streamCount = streams.size();
        boolean taken;
        try {
            taken = acceptor.accept(stream);
        } catch (RuntimeException e) {
            LOG.warn("{}: handing over yamux stream {} failed", name, id, e);
            taken = false;
        }
        if (taken) {
            stream.accepted();
        } else {
            LOG.debug("{}: refusing yamux stream {}: nobody listens for it", name, id);
            removed(stream);
            stream.refused();
            writeFrame(Frame.WINDOW_UPDATE, Frame.RST, id, 0);
            flush();
        }
    }

    private void onPing(Frame frame) {
        if (frame.has(Frame.SYN)) {
            writeFrame(Frame.PING, Frame.ACK, 0, frame.length());
            flush();
        } else if (frame.has(Frame.ACK)) {
            PendingPing ping = pings.remove((int) frame.length());
            if (ping != null) {
                ping.timeout().cancel(false);
                ping.answered().complete(Duration.ofNanos(System.nanoTime() - ping.sentNanos()));
            }
        }
    }

    private void onGoAway(Frame frame) throws YamuxException {
        long code = frame.length();
        if (code == Frame.NORMAL) {
            LOG.debug("{}: the peer sent a go-away: no new streams", name);
            remoteGoAway = true;
            return;
        }
        throw new YamuxException("the peer ended the multiplexed connection with "
                + (code == Frame.PROTOCOL_ERROR ? "a protocol error" : code == Frame.INTERNAL_ERROR
                ? "an internal error" : "go-away code " + code));
    }

    private void sendPing(CompletableFuture<Duration> answered) {
        if (ended) {
            answered.completeExceptionally(new YamuxException(name + ": the multiplexed connection is closed"));
            return;
        }
        int id = nextPingId++;
        ScheduledFuture<?> timeout = schedule(() -> {
            if (pings.remove(id) != null) {
                answered.completeExceptionally(fail(new YamuxException("no answer to a yamux ping within "
                        + config.keepAliveTimeout().toMillis() + " ms")));
            }
        }, config.keepAliveTimeout());
        pings.put(id, new PendingPing(timeout, answered, System.nanoTime()));
        writeFrame(Frame.PING, Frame.SYN, 0, Integer.toUnsignedLong(id));
        flush();
    }

    /** A ping on its way: its timeout, and who waits for the answer. */
    private record PendingPing(ScheduledFuture<?> timeout, CompletableFuture<Duration> answered, long sentNanos) {
    }

    // ---- the end -----------------------------------------------------------------------------------------

    /**
     * Ends the session because of {@code problem} (whose message does not name the session yet); a
     * protocol error is reported to the peer first. Returns the error the streams were given.
     */
    private YamuxException fail(YamuxException problem) {
        YamuxException error = new YamuxException(name + ": " + problem.getMessage(), problem.isProtocolError(),
                problem.getCause());
        if (ended) {
            return error;
        }
        if (error.isProtocolError()) {
            LOG.warn("{}: yamux protocol error, closing the multiplexed connection: {}", name, error.getMessage());
            writeFrame(Frame.GO_AWAY, 0, 0, Frame.PROTOCOL_ERROR);
            flush();
        } else {
            LOG.debug("{}", error.getMessage());
        }
        end(error);
        return error;
    }

    private void end(YamuxException error) {
        ended = true;
        endCause = error;
        if (keepAlive != null) {
            keepAlive.cancel(false);
        }
        YamuxException cause = error != null ? error : new YamuxException(name + ": multiplexed connection closed");
        pings.values().forEach(ping -> {
            ping.timeout().cancel(false);
            ping.answered().completeExceptionally(cause);
        });
        pings.clear();
        List<YamuxStream> open = new ArrayList<>(streams.values());
        streams.clear();
        streamCount = 0;
        open.forEach(stream -> stream.sessionEnded(cause, error != null));
        connection.close();
        if (error == null) {
            closed.complete(null);
        } else {
            closed.completeExceptionally(error);
        }
    }

    private void execute(Runnable task) {
        if (connection.eventLoop().inEventLoop()) {
            task.run();
        } else {
            connection.eventLoop().execute(task);
        }
    }

    private void startKeepAlive() {
        Duration interval = config.keepAliveInterval();
        if (interval.isZero() || interval.isNegative()) {
            return;
        }
        keepAlive = connection.eventLoop().scheduleWithFixedDelay(() -> sendPing(new CompletableFuture<>()),
                interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The session's place in the connection's pipeline, after the {@link FrameDecoder}. */
    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext context) {
            ctx = context;
            if (context.channel().isActive()) {
                startKeepAlive();
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext context) {
            startKeepAlive();
            context.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            Frame frame = (Frame) message;
            if (ended) {
                ReferenceCountUtil.release(frame.data());
                return;
            }
            try {
                onFrame(frame);
            } catch (YamuxException e) {
                fail(e);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            Throwable reason = cause instanceof io.grpc.netty.shaded.io.netty.handler.codec.DecoderException
                    && cause.getCause() != null ? cause.getCause() : cause;
            fail(reason instanceof YamuxException yamux ? yamux : reason instanceof java.io.IOException
                    ? new YamuxException("the multiplexed connection was lost (" + reason.getMessage() + ")", false, reason)
                    : new YamuxException("multiplexed connection failed: " + reason, false, reason));
        }

        @Override
        public void channelInactive(ChannelHandlerContext context) {
            fail(new YamuxException("the multiplexed connection was closed by the peer"));
            context.fireChannelInactive();
        }
    }
}
