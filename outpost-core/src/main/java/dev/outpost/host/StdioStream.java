package dev.outpost.host;

import com.google.protobuf.Empty;
import dev.outpost.wire.LineSplitter;
import dev.outpost.wire.proto.GRPCStdioGrpc;
import dev.outpost.wire.proto.StdioData;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's end of go-plugin's stdio service ({@code plugin.GRPCStdio/StreamStdio}), opened once right
 * after connecting: what the plugin streams on stdout goes where its stdout pipe goes, what it streams on
 * stderr is logged as its stderr pipe is.
 */
final class StdioStream implements ClientResponseObserver<Empty, StdioData> {

    private static final Logger LOG = LoggerFactory.getLogger(StdioStream.class);

    private final String name;
    private final LineSplitter out;
    private final LineSplitter err;
    private volatile ClientCallStreamObserver<Empty> call;

    private StdioStream(String name, PluginOutput output) {
        this.name = name;
        this.out = LineSplitter.lines(output::stdout);
        this.err = new LineSplitter(LineSplitter.DEFAULT_MAX_LINE, output::stderr);
    }

    /** Starts the stream on {@code channel}; it ends when the plugin ends it, the channel closes, or {@link #cancel}. */
    static StdioStream open(Channel channel, String name, PluginOutput output) {
        StdioStream stream = new StdioStream(name, output);
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
}
