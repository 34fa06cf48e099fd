package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.inprocess.InProcess;
import dev.outpost.plugin.ServeConfig;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How large a message may be: go-plugin's 2^31 - 1 bytes by default, lower when either side says so, on
 * the plugin's connection and through the broker; a message over a limit fails its call alone.
 */
@ExtendWith(LeakCheck.class)
class MessageSizeTest {

    private static final int MIB = 1 << 20;
    /** grpc-java's and grpc-go's default inbound limit, which go-plugin raises. */
    private static final int GRPC_DEFAULT = 4 * MIB;
    private static final int LIMIT = MIB;
    private static final int OVER = 2 * MIB;

    private static ClientConfig.Builder host() {
        return ClientConfig.builder().name("probe").handshake(ProbePlugin.HANDSHAKE).plugin("probe", Probe.plugin());
    }

    private static ServeConfig.Builder plugin() {
        return ServeConfig.builder().handshake(ProbePlugin.HANDSHAKE).plugin("probe", Probe.plugin());
    }

    private static void assertTooLarge(ThrowingCallable call, String... descriptionParts) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.getStatus().getDescription()).contains(descriptionParts);
        });
    }

    @Test
    void byDefaultBothSidesTakeMessagesBeyondGrpcsDefaultLimit() {
        try (PluginClient plugin = InProcess.start(host().build(), plugin().build())) {
            Probe.Client probe = plugin.dispense("probe", Probe.Client.class);
            int size = GRPC_DEFAULT + MIB;
            assertThat(probe.length("x".repeat(size))).as("a request the plugin accepts").isEqualTo(size);
            assertThat(probe.fill(size)).as("an answer the host accepts").hasSize(size);
        }
    }

    @Test
    void theHostsLimitFailsTooLargeRequestsAndAnswersAloneBothWays() {
        try (PluginClient plugin = InProcess.start(host().maxMessageSize(LIMIT).build(), plugin().build())) {
            Probe.Client probe = plugin.dispense("probe", Probe.Client.class);
            // Sent: refused before it leaves the host.
            assertTooLarge(() -> probe.length("x".repeat(OVER)), Integer.toString(OVER), Integer.toString(LIMIT),
                    "plugin 'probe': a message of outpost.test.Probe/Length is over a size limit (the host sends "
                            + "and accepts up to " + LIMIT + " bytes");
            // Received: the plugin's answer is refused by the host.
            assertTooLarge(() -> probe.fill(OVER), "exceeds maximum size " + LIMIT + ": " + OVER);
            assertThat(probe.length("x".repeat(LIMIT - 1000))).isEqualTo(LIMIT - 1000);
            assertThat(probe.echo("still serving")).isEqualTo("still serving");
        }
    }

    @Test
    void thePluginsLimitFailsTooLargeRequestsAloneAndItKeepsServing() {
        try (PluginClient plugin = InProcess.start(host().build(), plugin().maxMessageSize(LIMIT).build())) {
            Probe.Client probe = plugin.dispense("probe", Probe.Client.class);
            assertTooLarge(() -> probe.length("x".repeat(OVER)), Integer.toString(LIMIT), Integer.toString(OVER));
            assertThat(probe.echo("still serving")).isEqualTo("still serving");
            plugin.ping();
        }
    }

    @Test
    void theHostsLimitHoldsOnItsBrokerServers() throws Exception {
        try (PluginClient plugin = InProcess.start(host().maxMessageSize(LIMIT).build(), plugin().build())) {
            Probe.Client probe = plugin.dispense("probe", Probe.Client.class);
            assertThat(callBack(plugin, probe, LIMIT / 2)).isEqualTo(Integer.toString(LIMIT / 2));
            assertThat(callBack(plugin, probe, OVER)).startsWith("RESOURCE_EXHAUSTED: ")
                    .contains(Integer.toString(LIMIT), Integer.toString(OVER));
        }
    }

    @Test
    void thePluginsLimitHoldsOnWhatItSendsThroughTheBroker() throws Exception {
        try (PluginClient plugin = InProcess.start(host().build(), plugin().maxMessageSize(LIMIT).build())) {
            Probe.Client probe = plugin.dispense("probe", Probe.Client.class);
            assertThat(callBack(plugin, probe, LIMIT / 2)).isEqualTo(Integer.toString(LIMIT / 2));
            assertThat(callBack(plugin, probe, OVER)).isEqualTo("RESOURCE_EXHAUSTED: message too large "
                    + OVER + " > " + LIMIT);
        }
    }

    @Test
    void aLimitMustBePositive() {
        assertThatThrownBy(() -> host().maxMessageSize(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxMessageSize must be positive, got 0");
        assertThatThrownBy(() -> plugin().maxMessageSize(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxMessageSize must be positive, got -1");
    }

    /** The plugin sends {@code size} characters to the host's Length, served on a fresh broker id. */
    private static String callBack(PluginClient plugin, Probe.Client probe, int size) throws Exception {
        int id = plugin.broker().nextId();
        try (AutoCloseable server = plugin.broker().acceptAndServe(id, List.of(Probe.serverDefinition(plugin.broker())))) {
            return probe.callBack(id, size);
        }
    }
}
