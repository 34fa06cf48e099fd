package dev.outpost.host;

import com.google.protobuf.Empty;
import dev.outpost.internal.wire.LineSplitter;
import dev.outpost.internal.wire.proto.GRPCStdioGrpc;
import dev.outpost.internal.wire.proto.StdioData;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's end of go-plugin's stdio service ({@code plugin.GRPCStdio/StreamStdio}), opened once right
 * after connecting: what the plugin streams on stdout goes where its stdout pipe goes, what it streams on
 * stderr is logged as its stderr pipe is, and each line also reaches the {@code syncStdout} and
 * {@code syncStderr} taps of {@link ClientConfig}, which see the stream only.
 */
final class StdioStream implements ClientResponseObserver<Empty, StdioData> {

    private static final Logger LOG = LoggerFactory.getLogger(StdioStream.class);

    private final String name;
    private final LineSplitter out;
    private final LineSplitter err;
    private volatile ClientCallStreamObserver<Empty> call;

    private StdioStream(String name, PluginOutput output, Consumer<String> syncStdout, Consumer<String> syncStderr) {
        this.name = name;
        Consumer<String> stdoutTap = guarded(syncStdout, "syncStdout");
        Consumer<String> stderrTap = guarded(syncStderr, "syncStderr");
        this.out = LineSplitter.lines(line -> {
            output.stdout(line);
            stdoutTap.accept(line);
        });
        this.err = new LineSplitter(LineSplitter.DEFAULT_MAX_LINE, (line, truncated) -> {
            output.stderr(line, truncated);
            stderrTap.accept(line);
        });
    }

    /** Starts the stream on {@code channel}; it ends when the plugin ends it, the channel closes, or {@link #cancel}. */
    static StdioStream open(Channel channel, String name, PluginOutput output, ClientConfig config) {
        StdioStream stream = new StdioStream(name, output, config.syncStdout(), config.syncStderr());
        GRPCStdioGrpc.newStub(channel).streamStdio(Empty.getDefaultInstance(), stream);
        return stream;
    }

    /** Ends the stream, e.g. when the host closes the plugin. */
    void cancel() {
        ClientCallStreamObserver<Empty> current = call;
        if (current != null) {
            current.cancel("host closing", null);
        }
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<Empty> requestStream) {
        call = requestStream;
    }

    @Override
    public void onNext(StdioData data) {
        byte[] bytes = data.getData().toByteArray();
        switch (data.getChannel()) {
            case STDOUT -> out.feed(bytes, 0, bytes.length);
            case STDERR -> err.feed(bytes, 0, bytes.length);
            default -> LOG.warn("plugin '{}' sent stdio data on unknown channel {}", name, data.getChannelValue());
        }
    }

    @Override
    public void onError(Throwable t) {
        out.finish();
        err.finish();
        Status.Code code = Status.fromThrowable(t).getCode();
        if (code == Status.Code.UNIMPLEMENTED) {
            LOG.debug("plugin '{}' has no stdio service (go-plugin < 1.1): stdout and stderr come through the "
                    + "pipes only", name);
        } else if (code != Status.Code.CANCELLED && code != Status.Code.UNAVAILABLE) {
            LOG.warn("plugin '{}': stdio stream failed: {}", name, Status.fromThrowable(t));
        }
    }

    @Override
    public void onCompleted() {
        out.finish();
        err.finish();
    }

    /** A tap that throws must not end the stream: the plugin would block on its next write. */
    private Consumer<String> guarded(Consumer<String> tap, String what) {
        if (tap == null) {
            return line -> { };
        }
        return line -> {
            try {
                tap.accept(line);
            } catch (RuntimeException e) {
                LOG.warn("plugin '{}': the {} sink failed on a line", name, what, e);
            }
        };
    }
}
