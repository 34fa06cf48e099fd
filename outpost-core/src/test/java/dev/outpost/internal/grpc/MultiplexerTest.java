package dev.outpost.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.internal.yamux.YamuxDialAddress;
import dev.outpost.internal.yamux.YamuxStreamAddress;
import dev.outpost.internal.wire.AutoMtls;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * gRPC over one yamux connection between a "plugin" and a "host" in this JVM, on a real Unix socket:
 * the main server, brokered servers reached after a knock, TLS per stream, large messages, many
 * calls at once, and what happens when one side goes away.
 */
class MultiplexerTest {

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Echo/Echo")
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

    private Path dir;
    private SocketAddress socket;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void socket() throws IOException {
        dir = Files.createTempDirectory("outpost-mux-");
        socket = new DomainSocketAddress(dir.resolve("plugin.sock").toString());
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
        Files.deleteIfExists(dir.resolve("plugin.sock"));
        Files.delete(dir);
    }

    private static ServerServiceDefinition echo(String tag, List<SocketAddress> peers) {
        return ServerInterceptors.intercept(ServerServiceDefinition.builder("test.Echo")
                .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, response) -> {
                    byte[] answer = new byte[request.length + tag.length()];
                    System.arraycopy(tag.getBytes(), 0, answer, 0, tag.length());
                    System.arraycopy(request, 0, answer, tag.length(), request.length);
                    response.onNext(answer);
                    response.onCompleted();
                })).build(), new ServerInterceptor() {
                    @Override
                    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, io.grpc.Metadata headers,
                                                                       ServerCallHandler<Q, R> next) {
                        peers.add(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
                        return next.startCall(call, headers);
                    }
                });
    }

    private Server serve(Multiplexer mux, Integer brokerId, ServerServiceDefinition service, MutualTls tls)
            throws IOException {
        Server server = mux.server(brokerId, List.of(service), tls, Transport.MAX_MESSAGE_SIZE);
        open.add(0, server::shutdownNow);
        return server;
    }

    private <T extends AutoCloseable> T keep(T closeable) {
        open.add(0, closeable);
        return closeable;
    }

    private ManagedChannel channel(Multiplexer mux, YamuxDialAddress.Gate gate, MutualTls tls) {
        ManagedChannel channel = mux.channel("test", gate, tls, Transport.MAX_MESSAGE_SIZE);
        open.add(0, channel::shutdownNow);
        return channel;
    }

    private static String call(ManagedChannel channel, String text) {
        return new String(ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT.withDeadlineAfter(10,
                TimeUnit.SECONDS), text.getBytes()));
    }

    @Test
    void callsReachThePluginsMainServerOverStreamsOfOneConnection() throws Exception {
        Multiplexer plugin = keep(Multiplexer.listen(socket, "the host"));
        List<SocketAddress> peers = new CopyOnWriteArrayList<>();
        serve(plugin, null, echo("main:", peers), null);
        Multiplexer host = keep(Multiplexer.connect(socket, "plugin 'echo'"));
        ManagedChannel channel = channel(host, YamuxDialAddress.Gate.OPEN, null);

        assertThat(call(channel, "one")).isEqualTo("main:one");
        assertThat(call(channel, "two")).isEqualTo("main:two");
        assertThat(peers).hasSize(2).allSatisfy(peer -> assertThat(peer).isInstanceOf(YamuxStreamAddress.class));
        assertThat(plugin.carries(peers.get(0))).isTrue();
        assertThat(((YamuxStreamAddress) peers.get(0)).streamId()).as("the host's first stream").isEqualTo(1);
        assertThat(host.remoteAddress()).isEqualTo(socket);
    }

    @Test
    void aBrokerServerGetsTheStreamThatFollowsAKnockForItsId() throws Exception {
        Multiplexer plugin = keep(Multiplexer.listen(socket, "the host"));
        serve(plugin, null, echo("main:", new ArrayList<>()), null);
        Multiplexer host = keep(Multiplexer.connect(socket, "plugin 'echo'"));
        assertThat(call(channel(host, YamuxDialAddress.Gate.OPEN, null), "x")).isEqualTo("main:x");

        // The host serves broker id 7; the plugin "knocks" (here: the host expects it) and dials.
        List<SocketAddress> peers = new CopyOnWriteArrayList<>();
        serve(host, 7, echo("broker7:", peers), null);
        assertThat(host.listening(7)).isTrue();
        assertThat(host.listening(8)).isFalse();
        ManagedChannel toHost = channel(plugin, open -> {
            host.expect(7);
            return open.get();
        }, null);
        assertThat(call(toHost, "callback")).isEqualTo("broker7:callback");
        assertThat(((YamuxStreamAddress) peers.get(0)).streamId()).as("a stream the plugin opened").isEven();
    }

    @Test
    void theHostRefusesAStreamNobodyKnockedFor() throws Exception {
        Multiplexer plugin = keep(Multiplexer.listen(socket, "the host"));
        serve(plugin, null, echo("main:", new ArrayList<>()), null);
        Multiplexer host = keep(Multiplexer.connect(socket, "plugin 'echo'"));
        serve(host, 7, echo("broker7:", new ArrayList<>()), null);
        assertThat(call(channel(host, YamuxDialAddress.Gate.OPEN, null), "x")).isEqualTo("main:x");

        ManagedChannel unexpected = channel(plugin, YamuxDialAddress.Gate.OPEN, null);
        assertThatThrownBy(() -> call(unexpected, "hello?")).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(call(channel(host, YamuxDialAddress.Gate.OPEN, null), "still")).isEqualTo("main:still");
    }

    @Test
    void aGateThatSaysNoFailsTheConnectionWithItsReason() throws Exception {
        Multiplexer plugin = keep(Multiplexer.listen(socket, "the host"));
        serve(plugin, null, echo("main:", new ArrayList<>()), null);
        Multiplexer host = keep(Multiplexer.connect(socket, "plugin 'echo'"));
        ManagedChannel refused = channel(host, open -> CompletableFuture.failedFuture(
                new IllegalStateException("failed to knock for id 3: no listener for id 3")), null);
        assertThatThrownBy(() -> call(refused, "x")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e).hasStackTraceContaining("no listener for id 3");
        });
    }

    @Test
    void mutualTlsRunsOnEveryStream() throws Exception {
        AutoMtls.Identity hostIdentity = AutoMtls.generate();
        AutoMtls.Identity pluginIdentity = AutoMtls.generate();
        MutualTls hostTls = MutualTls.of(hostIdentity, pluginIdentity.certificate(), "plugin 'echo'");
        MutualTls pluginTls = MutualTls.of(pluginIdentity, hostIdentity.certificate(), "host");
        Multiplexer plugin = keep(Multiplexer.listen(socket, "the host"));
        List<SSLSession> sessions = new CopyOnWriteArrayList<>();
        serve(plugin, null, ServerInterceptors.intercept(echo("tls:", new ArrayList<>()), new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, io.grpc.Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                sessions.add(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                return next.startCall(call, headers);
            }
        }), pluginTls);
        Multiplexer host = keep(Multiplexer.connect(socket, "plugin 'echo'"));
        assertThat(call(channel(host, YamuxDialAddress.Gate.OPEN, hostTls), "secret")).isEqualTo("tls:secret");
        assertThat(sessions).singleElement().satisfies(session -> {
            assertThat(session).isNotNull();
            assertThat(session.getPeerCertificates()[0]).isEqualTo(hostIdentity.certificate());
        });

        MutualTls stranger = MutualTls.of(AutoMtls.generate(), pluginIdentity.certificate(), "plugin 'echo'");
        assertThatThrownBy(() -> call(channel(host, YamuxDialAddress.Gate.OPEN, stranger), "let me in"))
                .isInstanceOf(StatusRuntimeException.class);
    }

    @Test
    void twentyMegabytesGoBothWaysThroughTheWindows() throws Exception {
        Multiplexer plugin = keep(Multiplexer.listen(socket, "the host"));
        serve(plugin, null, echo("", new ArrayList<>()), null);
        Multiplexer host = keep(Multiplexer.connect(socket, "plugin 'echo'"));
        byte[] big = new byte[20 * 1024 * 1024];
        new Random(42).nextBytes(big);
        byte[] back = ClientCalls.blockingUnaryCall(channel(host, YamuxDialAddress.Gate.OPEN, null), ECHO,
                CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), big);
        assertThat(back).isEqualTo(big);
    }

    @Test
    void manyCallsAtOnceOverManyChannelsAllArrive() throws Exception {
        Multiplexer plugin = keep(Multiplexer.listen(socket, "the host"));
        serve(plugin, null, echo("", new ArrayList<>()), null);
        Multiplexer host = keep(Multiplexer.connect(socket, "plugin 'echo'"));
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            channels.add(channel(host, YamuxDialAddress.Gate.OPEN, null));
        }
        int callers = 16;
        int calls = 200;
        CountDownLatch done = new CountDownLatch(callers);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int t = 0; t < callers; t++) {
            ManagedChannel channel = channels.get(t % channels.size());
            int caller = t;
            Thread thread = new Thread(() -> {
                try {
                    for (int c = 0; c < calls; c++) {
                        String text = caller + "/" + c + "/" + "x".repeat(c * 37 % 5000);
                        assertThat(call(channel, text)).isEqualTo(text);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    done.countDown();
                }
            });
            thread.setDaemon(true);
            thread.start();
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(failures).isEmpty();
    }

    @Test
    void whenThePluginGoesAwayMidCallTheCallFailsNamingIt() throws Exception {
        Multiplexer plugin = Multiplexer.listen(socket, "the host");
        CountDownLatch called = new CountDownLatch(1);
        serve(plugin, null, ServerServiceDefinition.builder("test.Echo")
                .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, response) -> called.countDown())).build(), null);
        Multiplexer host = keep(Multiplexer.connect(socket, "plugin 'echo'"));
        ManagedChannel channel = channel(host, YamuxDialAddress.Gate.OPEN, null);
        CompletableFuture<String> pending = CompletableFuture.supplyAsync(() -> call(channel, "never answered"));
        assertThat(called.await(10, TimeUnit.SECONDS)).isTrue();
        plugin.close();
        assertThat(pending).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .havingCause().isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    // closed by the peer, or lost in a write that came first
                    assertThat(e).hasStackTraceContaining("plugin 'echo': the multiplexed connection was");
                });
        assertThat(host.onClose()).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .withMessageContaining("plugin 'echo': the multiplexed connection was");
        assertThatThrownBy(() -> call(channel, "again")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            // why the connection ended, not only that it did
            assertThat(e).hasStackTraceContaining("plugin 'echo': the multiplexed connection was");
        });
    }

    @Test
    void aSecondConnectionToThePluginIsRefused() throws Exception {
        Multiplexer plugin = keep(Multiplexer.listen(socket, "the host"));
        serve(plugin, null, echo("main:", new ArrayList<>()), null);
        Multiplexer host = keep(Multiplexer.connect(socket, "plugin 'echo'"));
        assertThat(call(channel(host, YamuxDialAddress.Gate.OPEN, null), "first")).isEqualTo("main:first");
        Multiplexer intruder = keep(Multiplexer.connect(socket, "plugin 'echo'"));
        assertThat(intruder.onClose()).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .withMessageContaining("closed by the peer");
        assertThat(call(channel(host, YamuxDialAddress.Gate.OPEN, null), "still")).isEqualTo("main:still");
    }

    @Test
    void aPluginWhoseHostNeverConnectsGivesUp() throws Exception {
        Multiplexer plugin = keep(Multiplexer.listen(socket, "the host"));
        await().atMost(Duration.ofSeconds(10)).until(() -> plugin.onClose().isDone());
        assertThat(plugin.onClose()).failsWithin(Duration.ZERO).withThrowableThat()
                .withMessageContaining("the host did not connect within 5000 ms of the handshake");
    }
}
