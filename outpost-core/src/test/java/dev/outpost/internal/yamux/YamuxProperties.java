package dev.outpost.internal.yamux;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.embedded.EmbeddedChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.DecoderException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Properties of the yamux codec over generated input: frames survive any cutting of the byte
 * stream, garbage only ever fails the connection with a {@link YamuxException}, and two sessions
 * deliver every byte in order through their windows, whatever the writes and the reader's pauses.
 */
class YamuxProperties {

    @Provide
    Arbitrary<Frame> frames() {
        Arbitrary<Integer> types = Arbitraries.of(Frame.DATA, Frame.WINDOW_UPDATE, Frame.PING, Frame.GO_AWAY);
        Arbitrary<Integer> flags = Arbitraries.integers().between(0, 15);
        Arbitrary<Integer> ids = Arbitraries.integers();
        Arbitrary<byte[]> payloads = Arbitraries.bytes().array(byte[].class).ofMaxSize(3000);
        return Combinators.combine(types, flags, ids, payloads, Arbitraries.longs().between(0, 0xFFFF_FFFFL))
                .as((type, flag, id, payload, length) -> type == Frame.DATA
                        ? new Frame(type, flag, id, payload.length, Unpooled.wrappedBuffer(payload))
                        : new Frame(type, flag, id, length, null));
    }

    @Provide
    Arbitrary<List<Frame>> frameLists() {
        return frames().list().ofMaxSize(20);
    }

    @Property(tries = 300)
    void framesSurviveAnyCuttingOfTheByteStream(@ForAll("frameLists") List<Frame> frames,
                                                @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 1, max = 500) Integer> cuts) {
        ByteBuf wire = Unpooled.buffer();
        for (Frame frame : frames) {
            Frame.writeHeader(wire, frame.type(), frame.flags(), frame.streamId(), frame.length());
            if (frame.data() != null) {
                wire.writeBytes(frame.data().duplicate());
            }
        }
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(Frame.INITIAL_WINDOW));
        int cut = 0;
        while (wire.isReadable()) {
            int size = Math.min(wire.readableBytes(), cuts.get(cut++ % cuts.size()));
            channel.writeInbound(wire.readRetainedSlice(size));
        }
        wire.release();
        List<Frame> decoded = new ArrayList<>();
        for (Object out = channel.readInbound(); out != null; out = channel.readInbound()) {
            decoded.add((Frame) out);
        }
        assertThat(decoded).hasSameSizeAs(frames);
        for (int i = 0; i < frames.size(); i++) {
            Frame sent = frames.get(i);
            Frame got = decoded.get(i);
            assertThat(got.type()).isEqualTo(sent.type());
            assertThat(got.flags()).isEqualTo(sent.flags());
            assertThat(got.streamId()).isEqualTo(sent.streamId());
            assertThat(got.length()).isEqualTo(sent.length());
            if (sent.data() != null && sent.length() > 0) {
                assertThat(got.data()).isEqualTo(sent.data());
                got.data().release();
            }
        }
        channel.finishAndReleaseAll();
    }

    @Property(tries = 1000)
    void garbageOnlyEverFailsWithAYamuxProtocolError(@ForAll @Size(max = 200) byte[] bytes) {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(Frame.INITIAL_WINDOW));
        try {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes));
            channel.finishAndReleaseAll();
        } catch (DecoderException e) {
            assertThat(e.getCause()).isInstanceOf(YamuxException.class);
            assertThat(((YamuxException) e.getCause()).isProtocolError()).isTrue();
        } finally {
            channel.releaseInbound();
        }
    }

    @Property(tries = 500)
    void aSessionFedGarbageEndsWithAGoAwayOrKeepsGoingButNeverThrows(@ForAll @Size(max = 300) byte[] bytes) {
        try (FramePeer peer = new FramePeer(false)) {
            peer.raw(bytes);
            if (!peer.session.isOpen()) {
                assertThat(peer.connection.isOpen()).isFalse();
                assertThat(peer.session.onClose()).isCompletedExceptionally();
            }
        }
    }

    @Property(tries = 150)
    void everyByteArrivesInOrderThroughTheWindows(
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 120_000) Integer> writes,
            @ForAll @Size(min = 1, max = 10) List<@IntRange(min = 0, max = 3) Integer> pauses) {
        EmbeddedChannel hostSide = new EmbeddedChannel();
        EmbeddedChannel pluginSide = new EmbeddedChannel();
        YamuxSession host = YamuxSession.client(hostSide, "plugin 'p'", FramePeer.CONFIG);
        YamuxSession plugin = YamuxSession.server(pluginSide, "the host", FramePeer.CONFIG);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        YamuxStream[] accepted = new YamuxStream[1];
        plugin.acceptor(stream -> {
            stream.config().setAutoRead(false);
            stream.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ByteBuf data = (ByteBuf) msg;
                    byte[] bytes = new byte[data.readableBytes()];
                    data.readBytes(bytes);
                    received.writeBytes(bytes);
                    data.release();
                }
            });
            pluginSide.eventLoop().register(stream);
            accepted[0] = stream;
            return true;
        });
        YamuxStream stream = new YamuxStream();
        hostSide.eventLoop().register(stream);
        var connected = stream.connect(new YamuxDialAddress(host, YamuxDialAddress.Gate.OPEN, "p"));
        pump(hostSide, pluginSide);
        assertThat(connected.isSuccess()).isTrue();
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        int counter = 0;
        for (int i = 0; i < writes.size(); i++) {
            byte[] payload = new byte[writes.get(i)];
            for (int b = 0; b < payload.length; b++) {
                payload[b] = (byte) counter++;
            }
            sent.writeBytes(payload);
            stream.writeAndFlush(Unpooled.wrappedBuffer(payload));
            pump(hostSide, pluginSide);
            // The reader reads only now and then: the writer must wait for its window, never overrun it.
            if (accepted[0] != null && pauses.get(i % pauses.size()) == 0) {
                accepted[0].read();
            }
            pump(hostSide, pluginSide);
        }
        for (int round = 0; round < 10_000 && received.size() < sent.size(); round++) {
            accepted[0].read();
            pump(hostSide, pluginSide);
        }
        assertThat(host.isOpen()).as("no protocol error on the host's side").isTrue();
        assertThat(plugin.isOpen()).as("no protocol error on the plugin's side").isTrue();
        assertThat(received.toByteArray()).isEqualTo(sent.toByteArray());
        hostSide.finishAndReleaseAll();
        pluginSide.finishAndReleaseAll();
    }

    /** Moves bytes both ways until neither side has anything more to say. */
    private static void pump(EmbeddedChannel a, EmbeddedChannel b) {
        boolean moved = true;
        while (moved) {
            moved = move(a, b) | move(b, a);
        }
    }

    private static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
        from.runPendingTasks();
        boolean moved = false;
        for (Object out = from.readOutbound(); out != null; out = from.readOutbound()) {
            to.writeInbound(out);
            moved = true;
        }
        to.runPendingTasks();
        return moved;
    }
}
