package dev.outpost.plugin;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import dev.outpost.internal.wire.proto.GRPCStdioGrpc;
import dev.outpost.internal.wire.proto.StdioData;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The plugin's {@code System.out} and {@code System.err} after the handshake. While the host listens
 * on {@code GRPCStdio.StreamStdio}, what the plugin writes goes there in chunks of at most 1 KiB,
 * with back-pressure as in go-plugin. While no host listens (hosts older than go-plugin 1.1 never
 * do), it goes to the real stdout and stderr, which every host drains: nothing is lost, nothing blocks.
 */
final class StdioCapture extends GRPCStdioGrpc.GRPCStdioImplBase {

    private static final int CHUNK = 1024;

    private final OutputStream fallbackOut;
    private final OutputStream fallbackErr;
    private ServerCallStreamObserver<StdioData> subscriber;

    StdioCapture(OutputStream fallbackOut, OutputStream fallbackErr) {
        this.fallbackOut = fallbackOut;
        this.fallbackErr = fallbackErr;
    }

    /** A print stream writing to {@code channel}. */
    PrintStream stream(StdioData.Channel channel) {
        OutputStream fallback = channel == StdioData.Channel.STDOUT ? fallbackOut : fallbackErr;
        return new PrintStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                StdioCapture.this.write(channel, fallback, bytes, offset, length);
            }

            @Override
            public void flush() throws IOException {
                fallback.flush();
            }
        }, true, StandardCharsets.UTF_8);
    }

    @Override
    public void streamStdio(Empty request, StreamObserver<StdioData> responseObserver) {
        ServerCallStreamObserver<StdioData> stream = (ServerCallStreamObserver<StdioData>) responseObserver;
        stream.setOnCancelHandler(() -> detach(stream));
        stream.setOnReadyHandler(this::wake);
        synchronized (this) {
            if (subscriber != null) {
                subscriber.onCompleted();
            }
            subscriber = stream;
        }
    }

    /** Ends the stream to the host, e.g. on shutdown; later writes go to the real descriptors. */
    synchronized void close() {
        if (subscriber != null) {
            try {
                subscriber.onCompleted();
            } catch (RuntimeException ignored) {
                // the call may already be cancelled
            }
            subscriber = null;
        }
        notifyAll();
    }

    private synchronized void detach(ServerCallStreamObserver<StdioData> stream) {
        if (subscriber == stream) {
            subscriber = null;
        }
        notifyAll();
    }

    private synchronized void wake() {
        notifyAll();
    }

    private synchronized void write(StdioData.Channel channel, OutputStream fallback, byte[] bytes, int offset,
                                    int length) throws IOException {
        int position = offset;
        int end = offset + length;
        while (position < end) {
            ServerCallStreamObserver<StdioData> stream = awaitReadySubscriber();
            if (stream == null) {
                fallback.write(bytes, position, end - position);
                fallback.flush();
                return;
            }
            int take = Math.min(CHUNK, end - position);
            try {
                stream.onNext(StdioData.newBuilder().setChannel(channel)
                        .setData(ByteString.copyFrom(bytes, position, take)).build());
            } catch (RuntimeException e) {
                detach(stream);
                continue;
            }
            position += take;
        }
    }

    /** The subscriber once it can take data, or null when there is none (any more). */
    private ServerCallStreamObserver<StdioData> awaitReadySubscriber() throws IOException {
        while (subscriber != null && !subscriber.isCancelled() && !subscriber.isReady()) {
            try {
                wait(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while the host was not reading stdio", e);
            }
        }
        if (subscriber != null && subscriber.isCancelled()) {
            subscriber = null;
        }
        return subscriber;
    }
}
