package dev.outpost.host;

import dev.outpost.PluginStartException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.outpost.fixtures.BadMuxPlugin;
import dev.outpost.fixtures.Gadget;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.inprocess.InProcess;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Everything {@link InProcessClientTest} checks, over go-plugin's broker multiplexing (one connection,
 * every gRPC connection a yamux stream of it), and what only multiplexing has: knocks, a host that
 * listens on nothing, a launched plugin, and plugins that answer with broken yamux.
 */
class MultiplexedClientTest extends InProcessClientTest {

    @Override
    boolean multiplexed() {
        return true;
    }

    @Test
    void callbacksAreStreamsOfTheOneConnectionAndTheHostListensOnNoSocket() throws Exception {
        try (PluginClient local = InProcess.start(config().build(), serve())) {
            assertThat(local.handshake().multiplex()).contains(true);
            assertThat(local.broker().isMultiplexed()).isTrue();
            Gadget gadget = local.dispense("gadget", Gadget.class);
            List<String> events = new CopyOnWriteArrayList<>();
            gadget.subscribe(events::add);
            assertThat(gadget.fire("over the one connection")).isEqualTo(1);
            assertThat(events).containsExactly("over the one connection");
            assertThat(gadget.relay("x", 3, new Gadget.HostRelay())).isEqualTo("x|plugin|host|plugin|host");
            Path socket = Path.of(local.handshake().address());
            try (Stream<Path> files = Files.list(socket.getParent())) {
                assertThat(files).as("the plugin's socket, and no broker socket of either side").containsExactly(socket);
            }
        }
    }

    @Test
    void aKnockForAnIdNobodyServesIsRefusedInGoPluginsWords() {
        try (PluginClient local = InProcess.start(config().build(), serve())) {
            ManagedChannel nowhere = local.broker().dial(99);
            try {
                assertThatThrownBy(() -> HealthGrpc.newBlockingStub(nowhere).withDeadlineAfter(10,
                        java.util.concurrent.TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                            assertThat(e).hasStackTraceContaining("failed to knock for id 99: no listener for id 99");
                        });
            } finally {
                nowhere.shutdownNow();
            }
            // The refusal is the dial's alone: the plugin goes on.
            assertThat(local.dispense("gadget", Gadget.class).add(2, 2)).isEqualTo(4);
        }
    }

    @Test
    void aLaunchedPluginMultiplexesCallsAndCallbacksAndItsCrashIsExplained() {
        ClientConfig config = ClientConfig.builder().name("probe").handshake(ProbePlugin.HANDSHAKE)
                .command(TestJvm.of(ProbePlugin.class)).plugin("probe", Probe.plugin()).multiplexBroker(true).build();
        try (PluginClient plugin = PluginClient.start(config)) {
            assertThat(plugin.handshake().multiplex()).contains(true);
            Probe.Client probe = plugin.dispense("probe", Probe.Client.class);
            assertThat(probe.echo("one connection")).isEqualTo("one connection");
            int id = plugin.broker().nextId();
            try (AutoCloseable server = plugin.broker().acceptAndServe(id, List.of(Probe.serverDefinition(
                    plugin.broker())))) {
                assertThat(probe.callBack(id, 1 << 20)).as("1 MiB through the host's broker server").isEqualTo("1048576");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            assertThatThrownBy(() -> probe.die(7)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(e.getStatus().getDescription()).contains("plugin 'probe' (pid " + plugin.pid()
                        + ") exited with status 7 during outpost.test.Probe/Die");
            });
            assertThat(plugin.onExit()).succeedsWithin(Duration.ofSeconds(10));
        }
    }

    @Test
    void aPluginThatDoesNotMultiplexFailsTheStartSayingSo() {
        // A plugin that prints a 6-field line, as go-plugin before 1.6 does whatever the host asks.
        List<String> oldPlugin = List.of("sh", "-c", "echo '1|1|unix|/tmp/nowhere.sock|grpc|'; exec sleep 60");
        ClientConfig config = ClientConfig.builder().name("old").handshake(ProbePlugin.HANDSHAKE).command(oldPlugin)
                .plugin("probe", Probe.plugin()).multiplexBroker(true).build();
        PluginStartException failure = catchThrowableOfType(PluginStartException.class, () -> PluginClient.start(config));
        assertThat(failure).hasMessageContaining("plugin 'old'")
                .hasMessageContaining("does not support gRPC broker multiplexing, which the host requested")
                .hasMessageContaining("its handshake has no 7th field");
    }

    @Test
    void reattachingWithMultiplexingIsRefused() {
        ClientConfig config = ClientConfig.builder().name("probe").handshake(ProbePlugin.HANDSHAKE)
                .plugin("probe", Probe.plugin()).multiplexBroker(true).build();
        assertThatThrownBy(() -> PluginClient.reattach(config, new ReattachConfig(dev.outpost.Network.UNIX,
                "/tmp/p.sock", ProcessHandle.current().pid(), 1)))
                .isInstanceOf(PluginStartException.class)
                .hasMessageContaining("gRPC broker multiplexing is not supported with reattach");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "garbage        | unsupported yamux version",
            "unknown-stream | for a stream that was never opened",
            "overrun        | data frame of 262145 bytes on stream 1 exceeds the largest receive window",
            "go-away        | the peer ended the multiplexed connection with a protocol error"})
    void aPluginThatBreaksYamuxFailsItsStartWithTheReasonAndLeavesNothing(String mode, String reason) {
        ClientConfig config = ClientConfig.builder().name("badmux").handshake(ProbePlugin.HANDSHAKE)
                .command(TestJvm.of(BadMuxPlugin.class, mode)).plugin("probe", Probe.plugin())
                .multiplexBroker(true).startTimeout(Duration.ofSeconds(30)).build();
        long started = System.nanoTime();
        PluginStartException failure = catchThrowableOfType(PluginStartException.class, () -> PluginClient.start(config));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("no hang").isLessThan(Duration.ofSeconds(20));
        assertThat(failure).hasMessageContaining("plugin 'badmux'").hasMessageContaining("does not answer its health check")
                .hasMessageContaining(reason);
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)).isEmpty();
    }
}
