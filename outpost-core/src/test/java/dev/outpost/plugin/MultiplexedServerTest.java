package dev.outpost.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.internal.grpc.Multiplexer;
import dev.outpost.internal.grpc.Transport;
import dev.outpost.internal.yamux.YamuxDialAddress;
import dev.outpost.internal.wire.PluginEnv;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The plugin side of go-plugin's broker multiplexing: what it answers, when it multiplexes, when it gives up. */
@ExtendWith(LeakCheck.class)
class MultiplexedServerTest {

    private static ServeConfig config() {
        return ServeConfig.builder().handshake(ProbePlugin.HANDSHAKE).plugin("probe", Probe.plugin()).build();
    }

    private static Map<String, String> env(String multiplex) {
        Map<String, String> env = new HashMap<>();
        if (multiplex != null) {
            env.put(PluginEnv.MULTIPLEX_GRPC, multiplex);
        }
        return env;
    }

    private static HealthCheckResponse.ServingStatus health(ManagedChannel channel) {
        try {
            return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService("plugin").build()).getStatus();
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void withoutTheVariableTheHandshakeHasNoSeventhField() throws Exception {
        PluginServer server = PluginServer.start(config(), env(null));
        try {
            assertThat(server.handshake().multiplex()).isEmpty();
            assertThat(server.handshake().format()).matches("1\\|1\\|unix\\|[^|]+\\|grpc\\|");
        } finally {
            server.close();
        }
    }

    @Test
    void askedToMultiplexItAnswersTrueAndServesYamuxOnItsSocket() throws Exception {
        PluginServer server = PluginServer.start(config(), env("true"));
        try (Multiplexer host = Multiplexer.connect(Transport.address(server.handshake().network(),
                server.handshake().address()), "plugin 'probe'")) {
            assertThat(server.handshake().format()).endsWith("|grpc||true");
            assertThat(health(host.channel("plugin 'probe'", YamuxDialAddress.Gate.OPEN, null,
                    Transport.MAX_MESSAGE_SIZE))).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        } finally {
            server.close();
        }
    }

    @Test
    void anyOtherValueIsAnsweredTrueButNotMultiplexedAsGoPluginDoes() throws Exception {
        PluginServer server = PluginServer.start(config(), env("false"));
        try {
            assertThat(server.handshake().multiplex()).contains(true);
            // A plain gRPC connection works: the plugin did not switch to yamux.
            assertThat(health(Transport.channel(Transport.address(server.handshake().network(),
                    server.handshake().address())))).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        } finally {
            server.close();
        }
    }

    @Test
    void aPluginWhoseHostNeverConnectsStopsAndRemovesItsSocket() throws Exception {
        PluginServer server = PluginServer.start(config(), env("1"));
        Path socket = Path.of(server.handshake().address());
        assertThat(socket).exists();
        assertThat(server.onTermination()).succeedsWithin(Duration.ofSeconds(15));
        assertThat(Files.exists(socket)).isFalse();
    }

    @Test
    void whenTheHostsConnectionEndsThePluginStops() throws Exception {
        PluginServer server = PluginServer.start(config(), env("true"));
        Multiplexer host = Multiplexer.connect(Transport.address(server.handshake().network(),
                server.handshake().address()), "plugin 'probe'");
        assertThat(health(host.channel("plugin 'probe'", YamuxDialAddress.Gate.OPEN, null,
                Transport.MAX_MESSAGE_SIZE))).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        host.close();
        assertThat(server.onTermination()).succeedsWithin(Duration.ofSeconds(10));
    }
}
