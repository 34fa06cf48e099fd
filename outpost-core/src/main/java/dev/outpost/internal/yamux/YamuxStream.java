package dev.outpost.internal.yamux;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.AbstractChannel;
import io.grpc.netty.shaded.io.netty.channel.ChannelConfig;
import io.grpc.netty.shaded.io.netty.channel.ChannelMetadata;
import io.grpc.netty.shaded.io.netty.channel.ChannelOutboundBuffer;
import io.grpc.netty.shaded.io.netty.channel.ChannelPromise;
import io.grpc.netty.shaded.io.netty.channel.DefaultChannelConfig;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import java.net.SocketAddress;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;

/**
 * One yamux stream as a Netty channel, so that anything that runs on a socket (gRPC's HTTP/2
 * transport, TLS) runs on it unchanged. A stream the peer opened comes from its {@link YamuxSession};
 * one of this side is made by a channel factory and opened by connecting it to a {@link
 * YamuxDialAddress}.
 *
 * <p>Flow control is yamux's: the peer may send as much as this side's window, which is granted
 * again as the pipeline reads (so a pipeline that stops reading stops the peer); this side sends no
 * more than the peer's window and holds the rest, which makes the channel unwritable as any socket
 * would. Closing sends a FIN; the peer's FIN, once what came before it is read, closes the channel.
 * Every method runs on the session's event loop.
 */
public final class YamuxStream extends AbstractChannel {

    private static final ChannelMetadata METADATA = new ChannelMetadata(false);
    /** The largest data frame sent: streams sharing a connection take turns at this size at least. */
    private static final int MAX_FRAME = 64 * 1024;

    private enum State { NEW, SYN_SENT, SYN_RECEIVED, ESTABLISHED, LOCAL_CLOSED, REMOTE_CLOSED, CLOSED, RESET }

    private final ChannelConfig config = new DefaultChannelConfig(this);
    private final ArrayDeque<ByteBuf> inbound = new ArrayDeque<>();
    private YamuxSession session;
    private int id;
    private State state = State.NEW;
    private long sendWindow = Frame.INITIAL_WINDOW;
    private long recvWindow = Frame.INITIAL_WINDOW;
    private long queued;
    private boolean readPending;
    private boolean writeBlocked;
    private boolean peerFinished;
    private volatile boolean open = true;
    private volatile boolean active;
    private ScheduledFuture<?> closeTimer;

    /** A stream of this side, not yet opened: {@link #connect} it to a {@link YamuxDialAddress}. */
    public YamuxStream() {
        super(null);
    }

    /** A stream the peer opened. */
    YamuxStream(YamuxSession session, int id) {
        super(session.connection());
        this.session = session;
        this.id = id;
        this.state = State.SYN_RECEIVED;
        this.active = true;
    }

    /** The stream id, 0 until the stream is open. */
    public int streamId() {
        return id;
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open && active;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        // A stream of this side learns its session only when it connects, and checks the loop then.
        return session == null || loop == session.eventLoop();
    }

    @Override
    protected SocketAddress localAddress0() {
        return session == null ? null : new YamuxStreamAddress(session.localAddress(), id);
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return session == null ? null : new YamuxStreamAddress(session.remoteAddress(), id);
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new StreamUnsafe();
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("a yamux stream cannot be bound");
    }

    @Override
    protected void doDisconnect() {
        doClose();
    }

    @Override
    protected void doBeginRead() {
        readPending = true;
        deliver();
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof ByteBuf) {
            return msg;
        }
        throw new UnsupportedOperationException("a yamux stream carries bytes, not " + msg.getClass().getName());
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        if (state != State.SYN_SENT && state != State.SYN_RECEIVED && state != State.ESTABLISHED
                && state != State.REMOTE_CLOSED) {
            throw new ClosedChannelException();
        }
        boolean wrote = false;
        while (in.current() != null) {
            // What was flushed together goes out as one frame (gRPC flushes a call's frames at once): one
            // frame for the peer to read, as a yamux peer writing a buffer at a time sends it.
            long budget = Math.min(sendWindow, MAX_FRAME);
            long length = flushedBytes(in, budget);
            if (length == 0 && budget == 0 && readable(in)) {
                writeBlocked = true; // resumed by the peer's window update
                break;
            }
            if (length > 0) {
                session.writeFrame(Frame.DATA, 0, id, length);
                long[] left = {length};
                in.forEachFlushedMessage(message -> {
                    ByteBuf buffer = (ByteBuf) message;
                    int take = (int) Math.min(buffer.readableBytes(), left[0]);
                    if (take > 0) {
                        session.writeFrameData(buffer.retainedSlice(buffer.readerIndex(), take));
                        left[0] -= take;
                    }
                    return left[0] > 0;
                });
                sendWindow -= length;
                wrote = true;
            }
            in.removeBytes(length); // also drops the empty buffers passed
        }
        if (wrote) {
            session.flush();
        }
    }

    /** How many of the flushed bytes fit in {@code budget}. */
    private static long flushedBytes(ChannelOutboundBuffer in, long budget) throws Exception {
        long[] total = {0};
        in.forEachFlushedMessage(message -> {
            total[0] = Math.min(budget, total[0] + ((ByteBuf) message).readableBytes());
            return total[0] < budget;
        });
        return total[0];
    }

    private static boolean readable(ChannelOutboundBuffer in) throws Exception {
        boolean[] any = {false};
        in.forEachFlushedMessage(message -> !(any[0] = ((ByteBuf) message).isReadable()));
        return any[0];
    }

    @Override
    protected void doClose() {
        open = false;
        active = false;
        releaseInbound();
        if (session == null) {
            return;
        }
        switch (state) {
            case SYN_SENT, SYN_RECEIVED, ESTABLISHED -> {
                state = State.LOCAL_CLOSED;
                session.writeFrame(Frame.WINDOW_UPDATE, Frame.FIN, id, 0);
                session.flush();
                // A peer that never closes its side must not keep the stream forever (yamux does the same).
                closeTimer = session.schedule(this::closeTimedOut, session.streamCloseTimeout());
            }
            case REMOTE_CLOSED -> {
                state = State.CLOSED;
                session.writeFrame(Frame.WINDOW_UPDATE, Frame.FIN, id, 0);
                session.flush();
                session.removed(this);
            }
            default -> {
                // not open, or already over
            }
        }
    }

    // ---- from the session, on the event loop -----------------------------------------------------------

    /** This side's stream got its id and its SYN is on its way. */
    void opened(YamuxSession session, int id) {
        this.session = session;
        this.id = id;
        this.state = State.SYN_SENT;
    }

    /** A listener took the peer's stream: acknowledge it. */
    void accepted() {
        session.writeFrame(Frame.WINDOW_UPDATE, Frame.ACK, id, 0);
        session.flush();
    }

    /** Nobody listens for the peer's stream; the session resets it. */
    void refused() {
        state = State.RESET;
        open = false;
        active = false;
    }

    void onData(ByteBuf data, int flags) throws YamuxException {
        if (data != null) {
            int length = data.readableBytes();
            if (length > recvWindow) {
                data.release();
                throw YamuxException.protocol("stream " + Integer.toUnsignedString(id) + " received " + length
                        + " bytes with a window of " + recvWindow + " bytes");
            }
            recvWindow -= length;
            if (open && !peerFinished) {
                inbound.add(data);
                queued += length;
            } else {
                data.release();
            }
        }
        onFlags(flags);
        deliver();
    }

    void onWindowUpdate(long delta, int flags) throws YamuxException {
        onFlags(flags);
        if ((flags & Frame.FIN) != 0) {
            deliver(); // Go's yamux half-closes with a window update: the channel closes once read up to it
        }
        if (delta > 0) {
            sendWindow += delta;
            if (writeBlocked && open) {
                writeBlocked = false;
                ((StreamUnsafe) unsafe()).resumeWrites();
            }
        }
    }

    /** The session is over: nothing more is sent or received. */
    void sessionEnded(YamuxException cause, boolean failed) {
        state = State.RESET;
        if (closeTimer != null) {
            closeTimer.cancel(false);
        }
        if (failed) {
            tellCaller(cause);
        }
        closeNow();
    }

    /** Resets the stream: the peer is told, and the channel closes. */
    void reset() {
        if (state != State.RESET && state != State.CLOSED) {
            session.writeFrame(Frame.WINDOW_UPDATE, Frame.RST, id, 0);
            session.flush();
        }
        state = State.RESET;
        session.removed(this);
        closeNow();
    }

    /** {@link #reset()} on the session's event loop, from wherever. */
    void resetLater() {
        session.eventLoop().execute(this::reset);
    }

    /**
     * Gives the pipeline of a stream of this side the reason it ends, so that the calls on it fail
     * with it. A server's stream just closes: nobody waits there, and a server logs errors loudly.
     */
    private void tellCaller(YamuxException cause) {
        if (open && isRegistered() && parent() == null) {
            pipeline().fireExceptionCaught(cause);
        }
    }

    /** Closes the channel; one that never reached a pipeline is just marked closed. */
    private void closeNow() {
        if (!open) {
            return;
        }
        if (isRegistered()) {
            unsafe().close(voidPromise());
        } else {
            open = false;
            active = false;
            releaseInbound();
        }
    }

    private void onFlags(int flags) throws YamuxException {
        if ((flags & Frame.ACK) != 0 && state == State.SYN_SENT) {
            state = State.ESTABLISHED;
        }
        if ((flags & Frame.FIN) != 0) {
            switch (state) {
                case SYN_SENT, SYN_RECEIVED, ESTABLISHED -> {
                    state = State.REMOTE_CLOSED;
                    peerFinished = true;
                }
                case LOCAL_CLOSED -> {
                    state = State.CLOSED;
                    if (closeTimer != null) {
                        closeTimer.cancel(false);
                    }
                    session.removed(this);
                }
                default -> throw YamuxException.protocol("unexpected FIN on stream " + Integer.toUnsignedString(id)
                        + " (" + state + ")");
            }
        }
        if ((flags & Frame.RST) != 0) {
            state = State.RESET;
            if (closeTimer != null) {
                closeTimer.cancel(false);
            }
            session.removed(this);
            tellCaller(new YamuxException(session.name() + ": yamux stream " + Integer.toUnsignedString(id)
                    + " was reset by the peer"));
            closeNow();
        }
    }

    /** Hands what came to the pipeline once it asked to read, then grants the window again. */
    private void deliver() {
        if (!readPending || !open) {
            return;
        }
        if (!inbound.isEmpty()) {
            readPending = false;
            for (ByteBuf data = inbound.poll(); data != null; data = inbound.poll()) {
                queued -= data.readableBytes();
                pipeline().fireChannelRead(data);
            }
            pipeline().fireChannelReadComplete();
            grantWindow();
        }
        if (peerFinished && inbound.isEmpty()) {
            closeNow(); // the peer's half-close: what it sent has been read
        }
    }

    /** As yamux does: a window update once at least half the window has been read. */
    private void grantWindow() {
        if (!open || state == State.LOCAL_CLOSED || state == State.CLOSED || state == State.RESET) {
            return;
        }
        long max = session.maxWindow();
        long delta = max - queued - recvWindow;
        if (delta >= max / 2) {
            recvWindow += delta;
            session.writeFrame(Frame.WINDOW_UPDATE, 0, id, delta);
            session.flush();
        }
    }

    private void closeTimedOut() {
        if (state == State.LOCAL_CLOSED) {
            state = State.RESET;
            session.writeFrame(Frame.WINDOW_UPDATE, Frame.RST, id, 0);
            session.flush();
            session.removed(this);
        }
    }

    private void releaseInbound() {
        for (ByteBuf data = inbound.poll(); data != null; data = inbound.poll()) {
            data.release();
        }
        queued = 0;
    }

    private final class StreamUnsafe extends AbstractUnsafe {
        @Override
        public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
            if (!promise.setUncancellable() || !ensureOpen(promise)) {
                return;
            }
            if (!(remote instanceof YamuxDialAddress dial)) {
                promise.setFailure(new IllegalArgumentException("a yamux stream connects to a YamuxDialAddress, not "
                        + remote));
                return;
            }
            if (session != null) {
                promise.setFailure(new AlreadyConnectedException());
                return;
            }
            YamuxSession target = dial.session();
            if (target.eventLoop() != eventLoop()) {
                promise.setFailure(new IllegalStateException("a yamux stream must be registered on the event loop "
                        + "of its session (" + target.name() + ")"));
                return;
            }
            dial.gate().pass(() -> openOnLoop(target)).whenComplete((ignored, error) -> eventLoop().execute(() -> {
                if (error != null) {
                    Throwable cause = error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error;
                    // As an I/O error, so that gRPC reports the connection UNAVAILABLE, with this reason.
                    promise.tryFailure(cause instanceof java.io.IOException ? cause
                            : new YamuxException(cause.getMessage(), false, cause));
                    close(voidPromise());
                } else if (!open) {
                    promise.tryFailure(new ClosedChannelException());
                } else if (promise.trySuccess()) {
                    pipeline().fireChannelActive();
                } else {
                    close(voidPromise());
                }
            }));
        }

        private CompletableFuture<Void> openOnLoop(YamuxSession target) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            eventLoop().execute(() -> {
                if (!open) {
                    done.completeExceptionally(new ClosedChannelException());
                    return;
                }
                try {
                    target.open(YamuxStream.this);
                    active = true;
                    done.complete(null);
                } catch (YamuxException e) {
                    done.completeExceptionally(e);
                }
            });
            return done;
        }

        void resumeWrites() {
            flush0();
        }
    }
}
