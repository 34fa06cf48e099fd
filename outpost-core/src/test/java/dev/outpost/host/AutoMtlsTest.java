package dev.outpost.host;

import dev.outpost.PluginStartException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.fixtures.Gadget;
import dev.outpost.fixtures.GadgetPlugin;
import dev.outpost.fixtures.ImpostorPlugin;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.internal.grpc.MutualTls;
import dev.outpost.internal.grpc.Transport;
import dev.outpost.internal.wire.AutoMtls;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** go-plugin's AutoMTLS between a Java host and Java plugin processes: who gets in and who does not. */
@ExtendWith(LeakCheck.class)
class AutoMtlsTest {

    private static ClientConfig.Builder gadget() {
        return ClientConfig.builder().name("gadget").handshake(GadgetPlugin.HANDSHAKE)
                .command(TestJvm.of(GadgetPlugin.class))
                .plugin("gadget", Gadget.class)
                .autoMtls(true);
    }

    private static ClientConfig.Builder probe(Class<?> main) {
        return ClientConfig.builder().name("probe").handshake(ProbePlugin.HANDSHAKE)
                .command(TestJvm.of(main))
                .plugin("probe", Probe.plugin())
                .autoMtls(true);
    }

    @Test
    void callsAndBrokerCallbacksRunOverMutualTls() {
        try (PluginClient plugin = PluginClient.start(gadget().build())) {
            assertThat(plugin.handshake().serverCert()).as("certificate in handshake field 6").isPresent();
            assertThat(plugin.pluginCertificate()).hasValueSatisfying(cert ->
                    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=localhost,O=HashiCorp"));
            Gadget gadget = plugin.dispense("gadget", Gadget.class);
            assertThat(gadget.add(40, 2)).isEqualTo(42);
            // Callbacks: the plugin dials listeners the host serves through the broker, both over TLS.
            List<String> events = new CopyOnWriteArrayList<>();
            gadget.subscribe(events::add);
            assertThat(gadget.fire("door open")).isEqualTo(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("door open"));
            Gadget.Relay host = new Gadget.HostRelay();
            assertThat(gadget.relay("m", 3, host)).isEqualTo("m|plugin|host|plugin|host");
        }
    }

    @Test
    void aProcessWithoutTheHostsCertificateIsRefused() {
        try (PluginClient plugin = PluginClient.start(gadget().build())) {
            var address = Transport.address(plugin.handshake().network(), plugin.handshake().address());
            // Plaintext: the plugin speaks only TLS.
            assertRefused(Transport.channel(address));
            // TLS with a certificate of its own that trusts the plugin's: the plugin trusts only the host.
            MutualTls stranger = MutualTls.of(AutoMtls.generate(), plugin.pluginCertificate().orElseThrow(), "plugin");
            assertRefused(Transport.channel(address, stranger));
            // The host's own connection still works.
            plugin.ping();
        }
    }

    private static void assertRefused(ManagedChannel channel) {
        try {
            assertThatThrownBy(() -> HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService("plugin").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void aPluginPresentingAnotherCertificateThanItAnnouncedIsRefused() {
        ClientConfig config = probe(ImpostorPlugin.class).build();
        assertThatThrownBy(() -> PluginClient.start(config))
                .isInstanceOf(PluginStartException.class)
                .hasMessageContaining("plugin 'probe'")
                .hasMessageContaining("does not answer its health check")
                .hasMessageContaining("TLS handshake failed")
                .hasMessageContaining("not the one announced for AutoMTLS");
    }

    @Test
    void aPluginWithoutAutoMtlsSupportFailsTheStartAtOnce() {
        ClientConfig config = ClientConfig.builder().name("old").handshake(ProbePlugin.HANDSHAKE)
                .command("sh", "-c", "echo '1|1|unix|/tmp/nowhere.sock|grpc|'; exec sleep 600")
                .plugin("probe", Probe.plugin()).autoMtls(true).build();
        assertThatThrownBy(() -> PluginClient.start(config))
                .isInstanceOf(PluginStartException.class)
                .hasMessageContaining("plugin 'old'")
                .hasMessageContaining("was started with AutoMTLS, but its handshake has no certificate");
    }

    @Test
    void aPluginStartedWithoutAutoMtlsServesPlaintextAndPrintsNoCertificate() {
        try (PluginClient plugin = PluginClient.start(probe(ProbePlugin.class).autoMtls(false).build())) {
            assertThat(plugin.handshake().serverCert()).isEmpty();
            assertThat(plugin.pluginCertificate()).isEmpty();
            assertThat(plugin.dispense("probe", Probe.Client.class).echo("plain")).isEqualTo("plain");
        }
    }

    @Test
    void reattachCannotUseAutoMtls() {
        assertThatThrownBy(() -> PluginClient.reattach(probe(ProbePlugin.class).build(),
                new ReattachConfig(dev.outpost.Network.UNIX, "/nonexistent.sock", ProcessHandle.current().pid(), 1)))
                .isInstanceOf(PluginStartException.class)
                .hasMessageContaining("cannot reattach with AutoMTLS");
    }
}
