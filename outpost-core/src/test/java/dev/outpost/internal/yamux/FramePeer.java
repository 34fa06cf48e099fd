package dev.outpost.internal.yamux;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A session under test on an {@link EmbeddedChannel}, with the test as its peer: the test writes
 * frames byte for byte and reads back what the session sent, as frames. Single-threaded: every
 * task the session schedules runs when the test calls {@link #run()}.
 */
final class FramePeer implements AutoCloseable {

    /** Keep-alive off, short close timeout: tests drive time themselves. */
    static final YamuxSession.Config CONFIG = new YamuxSession.Config(Frame.INITIAL_WINDOW, Duration.ZERO,
            Duration.ofSeconds(10), Duration.ofMinutes(5));

    final EmbeddedChannel connection = new EmbeddedChannel();
    final YamuxSession session;
    /** Streams the session handed over; each records what its pipeline read. */
    final List<Recorder> accepted = new ArrayList<>();
    private final List<Frame> sent = new ArrayList<>();

    FramePeer(boolean client) {
        this(client, CONFIG);
    }

    FramePeer(boolean client, YamuxSession.Config config) {
        session = client ? YamuxSession.client(connection, "plugin 'test'", config)
                : YamuxSession.server(connection, "the host", config);
        session.acceptor(stream -> {
            Recorder recorder = new Recorder();
            stream.pipeline().addLast(recorder);
            connection.eventLoop().register(stream);
            accepted.add(recorder);
            return true;
        });
    }

    /** Sends the session a frame, as the peer. */
    FramePeer send(int type, int flags, int streamId, long length) {
        ByteBuf bytes = Unpooled.buffer(Frame.HEADER_SIZE);
        Frame.writeHeader(bytes, type, flags, streamId, length);
        connection.writeInbound(bytes);
        return run();
    }

    /** Sends the session a data frame carrying {@code payload}. */
    FramePeer data(int flags, int streamId, byte[] payload) {
        ByteBuf bytes = Unpooled.buffer(Frame.HEADER_SIZE + payload.length);
        Frame.writeHeader(bytes, Frame.DATA, flags, streamId, payload.length);
        bytes.writeBytes(payload);
        connection.writeInbound(bytes);
        return run();
    }

    FramePeer data(int flags, int streamId, String payload) {
        return data(flags, streamId, payload.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends raw bytes, as a broken peer would. */
    FramePeer raw(byte[] bytes) {
        connection.writeInbound(Unpooled.wrappedBuffer(bytes));
        return run();
    }

    FramePeer run() {
        connection.runPendingTasks();
        connection.runScheduledPendingTasks();
        return this;
    }

    /** Every frame the session sent since the last call. */
    List<Frame> frames() {
        run();
        ByteBuf all = Unpooled.buffer();
        for (Object out = connection.readOutbound(); out != null; out = connection.readOutbound()) {
            ByteBuf part = (ByteBuf) out;
            all.writeBytes(part);
            part.release();
        }
        List<Frame> frames = new ArrayList<>();
        while (all.readableBytes() >= Frame.HEADER_SIZE) {
            all.readByte();
            int type = all.readUnsignedByte();
            int flags = all.readUnsignedShort();
            int id = all.readInt();
            long length = all.readUnsignedInt();
            ByteBuf data = type == Frame.DATA ? all.readBytes((int) length) : null;
            frames.add(new Frame(type, flags, id, length, data));
        }
        sent.addAll(frames);
        return frames;
    }

    @Override
    public void close() {
        connection.finishAndReleaseAll();
        sent.forEach(frame -> {
            if (frame.data() != null) {
                frame.data().release();
            }
        });
    }

    /** The end of a stream's pipeline: what was read, and whether it closed. */
    static final class Recorder extends ChannelInboundHandlerAdapter {
        final StringBuilder read = new StringBuilder();
        final List<Throwable> errors = new ArrayList<>();
        boolean inactive;
        ChannelHandlerContext context;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            context = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf data = (ByteBuf) msg;
            read.append(data.toString(StandardCharsets.UTF_8));
            data.release();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            inactive = true;
        }
    }
}
