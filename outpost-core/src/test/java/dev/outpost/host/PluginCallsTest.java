package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.PluginUnavailableException;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** How a call's failure is explained when the plugin went away under it. */
class PluginCallsTest {

    private static final MethodDescriptor<byte[], byte[]> GET = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("proto.KV/Get")
            .setRequestMarshaller(Bytes.INSTANCE).setResponseMarshaller(Bytes.INSTANCE).build();

    /** grpc-java's status for a write on a connection that had closed: no cause of the plugin's own. */
    private static Status channelClosed() {
        return Status.UNKNOWN.withDescription("channel closed").withCause(new ClosedChannelException());
    }

    @Test
    void aWriteOnAClosedConnectionOfAPluginThatDiedIsUnavailableAndSaysHowItDied() {
        CompletableFuture<PluginExit> exit = CompletableFuture.completedFuture(new PluginExit(137, 4242));

        Status status = closeWith(channelClosed(), exit);

        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription())
                .isEqualTo("plugin 'kv' (pid 4242) was killed by signal 9 (SIGKILL) during proto.KV/Get");
        assertThat(status.getCause()).isInstanceOf(PluginUnavailableException.class);
    }

    @Test
    void aWriteOnAClosedConnectionIsUnavailableEvenBeforeTheExitIsSeen() {
        Status status = closeWith(channelClosed(), new CompletableFuture<>());

        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).isEqualTo("channel closed");
        assertThat(status.getCause()).isInstanceOf(ClosedChannelException.class);
    }

    @Test
    void anUnknownStatusOfThePluginsOwnStaysUnknown() {
        Status own = Status.UNKNOWN.withDescription("java.lang.IllegalStateException: no such key");

        Status status = closeWith(own, CompletableFuture.completedFuture(new PluginExit(1, 4242)));

        assertThat(status.getCode()).isEqualTo(Status.Code.UNKNOWN);
        assertThat(status.getDescription()).isEqualTo("java.lang.IllegalStateException: no such key");
    }

    /** The status a caller sees when the call below the interceptor closes with {@code status}. */
    private static Status closeWith(Status status, CompletableFuture<PluginExit> exit) {
        Channel closing = new Channel() {
            @Override
            public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
                return new ClientCall<>() {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        listener.onClose(status, new Metadata());
                    }

                    @Override
                    public void request(int messages) {
                    }

                    @Override
                    public void cancel(String message, Throwable cause) {
                    }

                    @Override
                    public void halfClose() {
                    }

                    @Override
                    public void sendMessage(Q message) {
                    }
                };
            }

            @Override
            public String authority() {
                return "localhost";
            }
        };
        Channel channel = ClientInterceptors.intercept(closing,
                new PluginCalls("kv", exit, () -> false, Integer.MAX_VALUE));
        AtomicReference<Status> seen = new AtomicReference<>();
        channel.newCall(GET, CallOptions.DEFAULT).start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status closed, Metadata trailers) {
                seen.set(closed);
            }
        }, new Metadata());
        return seen.get();
    }

    private enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            return new byte[0];
        }
    }
}
