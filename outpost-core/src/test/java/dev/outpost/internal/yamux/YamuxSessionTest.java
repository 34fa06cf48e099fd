package dev.outpost.internal.yamux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.internal.yamux.FramePeer.Recorder;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The yamux session frame by frame, with the test as the peer: what the session answers, what it
 * grants, what it refuses, and how it ends when the peer misbehaves.
 */
class YamuxSessionTest {

    private static final byte[] KIB_64 = new byte[64 * 1024];

    @Test
    void answersAPingWithItsValue() {
        try (FramePeer peer = new FramePeer(false)) {
            peer.send(Frame.PING, Frame.SYN, 0, 77);
            assertThat(peer.frames()).singleElement().satisfies(frame -> {
                assertThat(frame.type()).isEqualTo(Frame.PING);
                assertThat(frame.flags()).isEqualTo(Frame.ACK);
                assertThat(frame.length()).isEqualTo(77);
            });
        }
    }

    @Test
    void acceptsAStreamAcknowledgesItAndDeliversItsDataInOrder() {
        try (FramePeer peer = new FramePeer(false)) {
            peer.send(Frame.WINDOW_UPDATE, Frame.SYN, 1, 0);
            assertThat(peer.accepted).hasSize(1);
            assertThat(peer.frames()).singleElement().satisfies(frame -> {
                assertThat(frame.type()).isEqualTo(Frame.WINDOW_UPDATE);
                assertThat(frame.flags()).isEqualTo(Frame.ACK);
                assertThat(frame.streamId()).isEqualTo(1);
            });
            peer.data(0, 1, "hello, ").data(0, 1, "world");
            assertThat(peer.accepted.get(0).read).hasToString("hello, world");
            assertThat(peer.session.streamCount()).isEqualTo(1);
        }
    }

    @Test
    void grantsTheWindowAgainOnceHalfOfItWasRead() {
        try (FramePeer peer = new FramePeer(false)) {
            peer.send(Frame.WINDOW_UPDATE, Frame.SYN, 1, 0).frames();
            peer.data(0, 1, KIB_64);
            assertThat(peer.frames()).as("64 KiB read of 256 KiB: no update yet").isEmpty();
            peer.data(0, 1, KIB_64);
            assertThat(peer.frames()).singleElement().satisfies(frame -> {
                assertThat(frame.type()).isEqualTo(Frame.WINDOW_UPDATE);
                assertThat(frame.streamId()).isEqualTo(1);
                assertThat(frame.length()).isEqualTo(128 * 1024);
            });
        }
    }

    @Test
    void aStreamThatStopsReadingStopsGrantingAndAnOverrunEndsTheSession() {
        try (FramePeer peer = new FramePeer(false)) {
            peer.session.acceptor(stream -> {
                stream.config().setAutoRead(false);
                Recorder recorder = new Recorder();
                stream.pipeline().addLast(recorder);
                peer.connection.eventLoop().register(stream);
                peer.accepted.add(recorder);
                return true;
            });
            peer.send(Frame.WINDOW_UPDATE, Frame.SYN, 1, 0).frames();
            for (int i = 0; i < 4; i++) {
                peer.data(0, 1, KIB_64);
            }
            Recorder recorder = peer.accepted.get(0);
            assertThat(recorder.read).isEmpty();
            assertThat(peer.frames()).as("nothing was read, nothing is granted").isEmpty();

            peer.data(0, 1, new byte[1]);
            assertThat(peer.frames()).singleElement().satisfies(frame -> {
                assertThat(frame.type()).isEqualTo(Frame.GO_AWAY);
                assertThat(frame.length()).isEqualTo(Frame.PROTOCOL_ERROR);
            });
            assertThat(peer.connection.isOpen()).isFalse();
            assertThat(peer.session.onClose()).failsWithin(Duration.ZERO).withThrowableThat()
                    .withMessageContaining("the host: stream 1 received 1 bytes with a window of 0 bytes");
            assertThat(recorder.inactive).isTrue();
            assertThat(recorder.errors).as("a server's stream just closes").isEmpty();
        }
    }

    @Test
    void aStreamThatReadsAgainIsGrantedAgain() {
        try (FramePeer peer = new FramePeer(false)) {
            YamuxStream[] stream = new YamuxStream[1];
            peer.session.acceptor(accepted -> {
                accepted.config().setAutoRead(false);
                accepted.pipeline().addLast(new Recorder());
                peer.connection.eventLoop().register(accepted);
                stream[0] = accepted;
                return true;
            });
            peer.send(Frame.WINDOW_UPDATE, Frame.SYN, 1, 0).frames();
            peer.data(0, 1, KIB_64).data(0, 1, KIB_64).data(0, 1, KIB_64);
            assertThat(peer.frames()).isEmpty();
            stream[0].read();
            assertThat(peer.run().frames()).singleElement().satisfies(frame -> {
                assertThat(frame.type()).isEqualTo(Frame.WINDOW_UPDATE);
                assertThat(frame.length()).isEqualTo(192 * 1024);
            });
        }
    }

    @Test
    void refusesAStreamNobodyListensFor() {
        try (FramePeer peer = new FramePeer(false)) {
            peer.session.acceptor(stream -> false);
            peer.send(Frame.WINDOW_UPDATE, Frame.SYN, 1, 0).data(0, 1, "dropped");
            assertThat(peer.frames()).singleElement().satisfies(frame -> {
                assertThat(frame.flags()).isEqualTo(Frame.RST);
                assertThat(frame.streamId()).isEqualTo(1);
            });
            assertThat(peer.session.isOpen()).isTrue();
            assertThat(peer.session.streamCount()).isZero();
        }
    }

    @Test
    void aFrameForAStreamThatNeverExistedIsAProtocolError() {
        try (FramePeer peer = new FramePeer(false)) {
            peer.data(0, 5, "who?");
            assertGoneAwayWithProtocolError(peer, "for a stream that was never opened");
        }
    }

    @Test
    void aStreamOpenedTwiceIsAProtocolError() {
        try (FramePeer peer = new FramePeer(false)) {
            peer.send(Frame.WINDOW_UPDATE, Frame.SYN, 1, 0).frames();
            peer.send(Frame.WINDOW_UPDATE, Frame.SYN, 1, 0);
            assertGoneAwayWithProtocolError(peer, "opened stream 1 again");
            assertThat(peer.accepted.get(0).inactive).isTrue();
        }
    }

    @Test
    void aStreamOpenedWithThisSidesParityIsAProtocolError() {
        try (FramePeer peer = new FramePeer(false)) {
            peer.send(Frame.WINDOW_UPDATE, Frame.SYN, 2, 0);
            assertGoneAwayWithProtocolError(peer, "an id of this side's parity");
        }
    }

    @Test
    void garbageEndsTheSessionWithAProtocolError() {
        try (FramePeer peer = new FramePeer(false)) {
            peer.raw("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertGoneAwayWithProtocolError(peer, "unsupported yamux version 71");
        }
    }

    @Test
    void aDataFrameLargerThanAnyWindowFailsBeforeItsPayloadArrives() {
        try (FramePeer peer = new FramePeer(false)) {
            peer.send(Frame.WINDOW_UPDATE, Frame.SYN, 1, 0).frames();
            peer.send(Frame.DATA, 0, 1, 0xFFFF_FFFFL);
            assertGoneAwayWithProtocolError(peer, "data frame of 4294967295 bytes on stream 1 exceeds");
        }
    }

    @Test
    void framesStillOnTheirWayToAStreamClosedHereAreDropped() {
        try (FramePeer peer = new FramePeer(false)) {
            peer.send(Frame.WINDOW_UPDATE, Frame.SYN, 1, 0).frames();
            Recorder recorder = peer.accepted.get(0);
            recorder.context.close();
            assertThat(peer.frames()).singleElement().satisfies(frame -> {
                assertThat(frame.flags()).isEqualTo(Frame.FIN);
                assertThat(frame.streamId()).isEqualTo(1);
            });
            assertThat(peer.session.streamCount()).as("waits for the peer's FIN").isEqualTo(1);
            peer.data(0, 1, "late").send(Frame.WINDOW_UPDATE, Frame.FIN, 1, 0);
            assertThat(recorder.read).isEmpty();
            assertThat(peer.session.isOpen()).isTrue();
            assertThat(peer.session.streamCount()).isZero();
            peer.data(0, 1, "later still");
            assertThat(peer.session.isOpen()).as("a closed stream's frames are not an error").isTrue();
        }
    }

    @Test
    void aStreamClosedHereIsResetWhenThePeerNeverClosesItsSide() {
        YamuxSession.Config config = new YamuxSession.Config(Frame.INITIAL_WINDOW, Duration.ZERO,
                Duration.ofSeconds(10), Duration.ofSeconds(30));
        try (FramePeer peer = new FramePeer(false, config)) {
            peer.connection.freezeTime();
            peer.send(Frame.WINDOW_UPDATE, Frame.SYN, 1, 0).frames();
            peer.accepted.get(0).context.close();
            peer.frames();
            peer.connection.advanceTimeBy(31, TimeUnit.SECONDS);
            assertThat(peer.frames()).singleElement().satisfies(frame -> {
                assertThat(frame.flags()).isEqualTo(Frame.RST);
                assertThat(frame.streamId()).isEqualTo(1);
            });
            assertThat(peer.session.streamCount()).isZero();
        }
    }

    @Test
    void thePeersFinClosesTheStreamOnceWhatCameBeforeItIsRead() {
        try (FramePeer peer = new FramePeer(false)) {
            peer.send(Frame.WINDOW_UPDATE, Frame.SYN, 1, 0).frames();
            peer.data(Frame.FIN, 1, "bye");
            Recorder recorder = peer.accepted.get(0);
            assertThat(recorder.read).hasToString("bye");
            assertThat(recorder.inactive).isTrue();
            assertThat(peer.frames()).singleElement().satisfies(frame -> assertThat(frame.flags()).isEqualTo(Frame.FIN));
            assertThat(peer.session.streamCount()).isZero();
        }
    }

    /** Go's yamux sends its FIN on a window update frame, not on data: that closes the stream as well. */
    @Test
    void thePeersFinOnAWindowUpdateClosesTheStream() {
        try (FramePeer peer = new FramePeer(false)) {
            peer.send(Frame.WINDOW_UPDATE, Frame.SYN, 1, 0).frames();
            peer.data(0, 1, "bye").send(Frame.WINDOW_UPDATE, Frame.FIN, 1, 0);
            Recorder recorder = peer.accepted.get(0);
            assertThat(recorder.read).hasToString("bye");
            assertThat(recorder.inactive).as("the channel closed on the peer's half-close").isTrue();
            assertThat(peer.frames()).singleElement().satisfies(frame -> assertThat(frame.flags()).isEqualTo(Frame.FIN));
            assertThat(peer.session.streamCount()).isZero();
        }
    }

    @Test
    void aResetByThePeerFailsTheStreamAlone() throws Exception {
        try (FramePeer peer = new FramePeer(true)) {
            Recorder first = new Recorder();
            Recorder second = new Recorder();
            open(peer).pipeline().addLast(first);
            open(peer).pipeline().addLast(second);
            peer.frames();
            peer.send(Frame.WINDOW_UPDATE, Frame.RST, 1, 0);
            assertThat(first.errors).singleElement().asString()
                    .contains("plugin 'test': yamux stream 1 was reset by the peer");
            assertThat(first.inactive).isTrue();
            assertThat(second.inactive).isFalse();
            assertThat(peer.session.streamCount()).isEqualTo(1);
            assertThat(peer.frames()).as("a reset stream is not closed again").isEmpty();
        }
    }

    @Test
    void aResetOfAStreamThePeerOpenedClosesItQuietly() {
        try (FramePeer peer = new FramePeer(false)) {
            peer.send(Frame.WINDOW_UPDATE, Frame.SYN, 1, 0).send(Frame.WINDOW_UPDATE, Frame.SYN, 3, 0).frames();
            peer.send(Frame.WINDOW_UPDATE, Frame.RST, 1, 0);
            assertThat(peer.accepted.get(0).inactive).isTrue();
            assertThat(peer.accepted.get(0).errors).isEmpty();
            assertThat(peer.accepted.get(1).inactive).isFalse();
            assertThat(peer.frames()).isEmpty();
        }
    }

    @Test
    void writesNoMoreThanThePeersWindowAndResumesWhenItGrowsAgain() throws Exception {
        try (FramePeer peer = new FramePeer(true)) {
            YamuxStream stream = open(peer);
            assertThat(peer.frames()).singleElement().satisfies(frame -> {
                assertThat(frame.type()).isEqualTo(Frame.WINDOW_UPDATE);
                assertThat(frame.flags()).isEqualTo(Frame.SYN);
                assertThat(frame.streamId()).isEqualTo(1);
            });
            stream.writeAndFlush(Unpooled.wrappedBuffer(new byte[300 * 1024]));
            assertThat(dataBytes(peer.frames())).isEqualTo(256 * 1024);
            assertThat(((ByteBuf) stream.unsafe().outboundBuffer().current()).readableBytes()).isEqualTo(44 * 1024);
            peer.send(Frame.WINDOW_UPDATE, Frame.ACK, 1, 128 * 1024);
            assertThat(dataBytes(peer.frames())).isEqualTo(44 * 1024);
            assertThat(stream.unsafe().outboundBuffer().isEmpty()).isTrue();
        }
    }

    @Test
    void aGoAwayStopsNewStreamsButNotTheOpenOnes() throws Exception {
        try (FramePeer peer = new FramePeer(true)) {
            YamuxStream first = open(peer);
            peer.frames();
            peer.send(Frame.GO_AWAY, 0, 0, Frame.NORMAL);
            YamuxStream second = new YamuxStream();
            peer.connection.eventLoop().register(second);
            ChannelFuture refused = second.connect(new YamuxDialAddress(peer.session, YamuxDialAddress.Gate.OPEN,
                    "test"));
            peer.run();
            assertThat(refused.cause()).hasMessageContaining("plugin 'test': the peer accepts no new streams");
            first.writeAndFlush(Unpooled.copiedBuffer("still here", StandardCharsets.UTF_8));
            assertThat(dataBytes(peer.frames())).isEqualTo(10);
            assertThat(peer.session.isOpen()).isTrue();
        }
    }

    @Test
    void aGoAwayWithAnErrorFailsEveryStream() throws Exception {
        try (FramePeer peer = new FramePeer(true)) {
            YamuxStream stream = open(peer);
            Recorder recorder = new Recorder();
            stream.pipeline().addLast(recorder);
            peer.send(Frame.GO_AWAY, 0, 0, Frame.INTERNAL_ERROR);
            assertThat(recorder.errors).singleElement().asString()
                    .contains("plugin 'test': the peer ended the multiplexed connection with an internal error");
            assertThat(recorder.inactive).isTrue();
            assertThat(peer.session.onClose()).failsWithin(Duration.ZERO).withThrowableThat()
                    .withMessageContaining("internal error");
        }
    }

    @Test
    void aConnectionLostFailsEveryStreamNamingTheSession() throws Exception {
        try (FramePeer peer = new FramePeer(true)) {
            Recorder recorder = new Recorder();
            open(peer).pipeline().addLast(recorder);
            peer.connection.close();
            peer.run();
            assertThat(recorder.errors).singleElement().asString()
                    .contains("plugin 'test': the multiplexed connection was closed by the peer");
            assertThat(peer.session.streamCount()).isZero();
        }
    }

    @Test
    void anUnansweredKeepAlivePingEndsTheSession() {
        YamuxSession.Config config = new YamuxSession.Config(Frame.INITIAL_WINDOW, Duration.ofSeconds(30),
                Duration.ofSeconds(10), Duration.ofMinutes(5));
        try (FramePeer peer = new FramePeer(true, config)) {
            peer.connection.freezeTime();
            peer.connection.advanceTimeBy(30, TimeUnit.SECONDS);
            List<Frame> frames = peer.frames();
            assertThat(frames).singleElement().satisfies(frame -> {
                assertThat(frame.type()).isEqualTo(Frame.PING);
                assertThat(frame.flags()).isEqualTo(Frame.SYN);
            });
            peer.send(Frame.PING, Frame.ACK, 0, frames.get(0).length());
            peer.connection.advanceTimeBy(30, TimeUnit.SECONDS);
            assertThat(peer.frames()).singleElement().satisfies(frame -> assertThat(frame.type()).isEqualTo(Frame.PING));
            peer.connection.advanceTimeBy(10, TimeUnit.SECONDS);
            peer.run();
            assertThat(peer.session.onClose()).failsWithin(Duration.ZERO).withThrowableThat()
                    .withMessageContaining("plugin 'test': no answer to a yamux ping within 10000 ms");
            assertThat(peer.connection.isOpen()).isFalse();
        }
    }

    @Test
    void pingMeasuresTheRoundTrip() {
        try (FramePeer peer = new FramePeer(true)) {
            CompletableFuture<Duration> ping = peer.session.ping();
            Frame sent = peer.frames().get(0);
            assertThat(ping).isNotDone();
            peer.send(Frame.PING, Frame.ACK, 0, sent.length());
            assertThat(ping).isCompleted();
        }
    }

    @Test
    void closingSendsAGoAwayAndClosesEveryStream() throws Exception {
        try (FramePeer peer = new FramePeer(true)) {
            Recorder recorder = new Recorder();
            open(peer).pipeline().addLast(recorder);
            peer.frames();
            peer.session.close();
            assertThat(peer.frames()).singleElement().satisfies(frame -> {
                assertThat(frame.type()).isEqualTo(Frame.GO_AWAY);
                assertThat(frame.length()).isEqualTo(Frame.NORMAL);
            });
            assertThat(recorder.inactive).isTrue();
            assertThat(recorder.errors).as("a close is not an error").isEmpty();
            assertThat(peer.session.onClose()).isCompleted();
        }
    }

    private static YamuxStream open(FramePeer peer) throws Exception {
        YamuxStream stream = new YamuxStream();
        peer.connection.eventLoop().register(stream);
        ChannelFuture connected = stream.connect(new YamuxDialAddress(peer.session, YamuxDialAddress.Gate.OPEN,
                "test"));
        peer.run();
        assertThat(connected.isSuccess()).as("connected: %s", connected.cause()).isTrue();
        return stream;
    }

    private static long dataBytes(List<Frame> frames) {
        return frames.stream().filter(frame -> frame.type() == Frame.DATA).mapToLong(Frame::length).sum();
    }

    private static void assertGoneAwayWithProtocolError(FramePeer peer, String reason) {
        assertThat(peer.frames()).last().satisfies(frame -> {
            assertThat(frame.type()).isEqualTo(Frame.GO_AWAY);
            assertThat(frame.length()).isEqualTo(Frame.PROTOCOL_ERROR);
        });
        assertThat(peer.connection.isOpen()).isFalse();
        assertThat(peer.session.onClose()).failsWithin(Duration.ZERO).withThrowableThat()
                .withMessageContaining("the host: ").withMessageContaining(reason);
    }
}
