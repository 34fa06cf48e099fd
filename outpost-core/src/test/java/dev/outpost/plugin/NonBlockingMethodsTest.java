package dev.outpost.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.NonBlocking;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.grpc.GrpcServerPlugin;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.inprocess.InProcess;
import dev.outpost.internal.grpc.Multiplexer;
import dev.outpost.internal.grpc.Transport;
import dev.outpost.internal.wire.PluginEnv;
import dev.outpost.internal.yamux.YamuxDialAddress;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link ServeConfig.Builder#nonBlocking}: the methods it names run on the connection's I/O thread, the
 * others on the call executor, over a socket and over a multiplexed connection alike.
 */
@ExtendWith(LeakCheck.class)
class NonBlockingMethodsTest {

    private static final String SERVICE = "test.Threads";

    private static MethodDescriptor<String, String> method(String name) {
        return MethodDescriptor.<String, String>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(Probe.STRING).setResponseMarshaller(Probe.STRING).build();
    }

    /** Two methods that answer with the name of the thread they ran on. */
    private static final GrpcServerPlugin THREADS = broker -> {
        ServerCalls.UnaryMethod<String, String> threadName = (request, response) -> {
            response.onNext(Thread.currentThread().getName());
            response.onCompleted();
        };
        return List.of(ServerServiceDefinition.builder(SERVICE)
                .addMethod(method("Quick"), ServerCalls.asyncUnaryCall(threadName))
                .addMethod(method("Slow"), ServerCalls.asyncUnaryCall(threadName)).build());
    };

    private static ServeConfig.Builder config() {
        return ServeConfig.builder().handshake(ProbePlugin.HANDSHAKE).plugin("threads", THREADS);
    }

    private static String threadOf(Channel channel, String name) {
        return ClientCalls.blockingUnaryCall(channel, method(name), CallOptions.DEFAULT.withDeadlineAfter(10,
                TimeUnit.SECONDS), "which thread?");
    }

    @Test
    void aNamedMethodRunsOnTheIoThreadAndTheOthersOnTheCallExecutor() throws Exception {
        PluginServer server = PluginServer.start(config().nonBlocking(SERVICE + "/Quick").build(), Map.of());
        ManagedChannel channel = Transport.channel(Transport.address(server.handshake().network(),
                server.handshake().address()));
        try {
            assertThat(threadOf(channel, "Quick")).startsWith("outpost-io");
            assertThat(threadOf(channel, "Slow")).startsWith("outpost-call");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.close();
        }
    }

    @Test
    void withoutTheOptionEveryMethodRunsOnTheCallExecutor() throws Exception {
        PluginServer server = PluginServer.start(config().build(), Map.of());
        ManagedChannel channel = Transport.channel(Transport.address(server.handshake().network(),
                server.handshake().address()));
        try {
            assertThat(threadOf(channel, "Quick")).startsWith("outpost-call");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.close();
        }
    }

    @Test
    void overAMultiplexedConnectionToo() throws Exception {
        PluginServer server = PluginServer.start(config().nonBlocking(SERVICE + "/Quick").build(),
                Map.of(PluginEnv.MULTIPLEX_GRPC, "true"));
        try (Multiplexer host = Multiplexer.connect(Transport.address(server.handshake().network(),
                server.handshake().address()), "plugin 'threads'")) {
            ManagedChannel channel = host.channel("plugin 'threads'", YamuxDialAddress.Gate.OPEN, null,
                    Transport.MAX_MESSAGE_SIZE);
            assertThat(threadOf(channel, "Quick")).startsWith("outpost-io");
            assertThat(threadOf(channel, "Slow")).startsWith("outpost-call");
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        } finally {
            server.close();
        }
    }

    @Test
    void aNameNoServiceHasFailsTheStartNamingTheMethodsThereAre() {
        assertThatThrownBy(() -> PluginServer.start(config().nonBlocking(SERVICE + "/Quik").build(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ServeConfig.nonBlocking names test.Threads/Quik, which no service of the "
                        + "plugin has")
                .hasMessageContaining("test.Threads/Quick, test.Threads/Slow");
    }

    @Test
    void aNameThatIsNoFullMethodNameIsRefused() {
        assertThatThrownBy(() -> ServeConfig.builder().nonBlocking("Get"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("service/method (e.g. plugin.KV/Get), got Get");
    }

    /** An interface-mode plugin type whose methods answer with the name of the thread they ran on. */
    public interface Threads {
        String quick();

        String slow();
    }

    /** The implementation marks the method that never blocks. */
    public static final class ThreadNames implements Threads {
        @NonBlocking
        @Override
        public String quick() {
            return Thread.currentThread().getName();
        }

        @Override
        public String slow() {
            return Thread.currentThread().getName();
        }
    }

    @Test
    void anInterfaceMethodMarkedNonBlockingRunsOnTheIoThread() {
        ServeConfig serve = ServeConfig.builder().handshake(ProbePlugin.HANDSHAKE)
                .plugin("threads", Threads.class, new ThreadNames()).build();
        ClientConfig config = ClientConfig.builder().name("threads").handshake(ProbePlugin.HANDSHAKE)
                .plugin("threads", Threads.class).build();
        try (PluginClient plugin = InProcess.start(config, serve)) {
            Threads threads = plugin.dispense("threads", Threads.class);
            assertThat(threads.quick()).startsWith("outpost-io");
            assertThat(threads.slow()).startsWith("outpost-call");
        }
    }
}
