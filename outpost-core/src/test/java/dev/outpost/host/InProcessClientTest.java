package dev.outpost.host;

import dev.outpost.PluginStartException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.PluginCallException;
import dev.outpost.PluginTimeoutException;
import dev.outpost.fixtures.Gadget;
import dev.outpost.fixtures.GadgetPlugin;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.inprocess.InProcess;
import dev.outpost.plugin.ServeConfig;
import dev.outpost.HandshakeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A plugin served in this JVM behaves as one in a process: calls, errors, deadlines, callbacks, shutdown.
 * {@link MultiplexedClientTest} runs every test again over one multiplexed connection.
 */
@ExtendWith(LeakCheck.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InProcessClientTest {

    private PluginClient plugin;
    private Gadget gadget;

    /** Whether the host asks for go-plugin's broker multiplexing. */
    boolean multiplexed() {
        return false;
    }

    ClientConfig.Builder config() {
        return ClientConfig.builder().name("gadget").handshake(GadgetPlugin.HANDSHAKE).plugin("gadget", Gadget.class)
                .multiplexBroker(multiplexed());
    }

    static ServeConfig serve() {
        return ServeConfig.builder().handshake(GadgetPlugin.HANDSHAKE)
                .plugin("gadget", Gadget.class, new GadgetPlugin()).build();
    }

    @BeforeAll
    void start() {
        plugin = InProcess.start(config().build(), serve());
        gadget = plugin.dispense("gadget", Gadget.class);
    }

    @AfterAll
    void stop() {
        plugin.close();
    }

    @Test
    void callsGoOverARealConnectionToTheServerInThisJvm() {
        assertThat(plugin.isInProcess()).isTrue();
        assertThat(plugin.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(plugin.negotiatedVersion()).isEqualTo(1);
        assertThat(gadget.add(2, 3)).isEqualTo(5);
        assertThat(gadget.addThree(1, 2, 3)).isEqualTo(6);
        plugin.ping();
        assertThat(plugin.exited()).isFalse();
    }

    @Test
    void exceptionsAreMappedAsOverAProcess() {
        assertThatThrownBy(() -> gadget.failState("bad state"))
                .isInstanceOfSatisfying(PluginCallException.class, e -> {
                    assertThat(e.remoteType()).isEqualTo("java.lang.IllegalStateException");
                    assertThat(e.getMessage())
                            .isEqualTo("plugin 'gadget': Gadget.failState failed with java.lang.IllegalStateException: bad state");
                });
        assertThatThrownBy(() -> gadget.failChecked("no such device"))
                .isInstanceOf(Gadget.GadgetException.class)
                .hasMessage("no such device")
                .cause().isInstanceOf(PluginCallException.class);
    }

    @Test
    void deadlinesTimeOutAndInterruptTheImplementation() {
        assertThatThrownBy(() -> gadget.sleep(30_000))
                .isInstanceOf(PluginTimeoutException.class)
                .hasMessageContaining("plugin 'gadget': Gadget.sleep did not complete in time");
        await().atMost(Duration.ofSeconds(5)).until(gadget::lastSleepInterrupted);
    }

    @Test
    void callbacksGoThroughTheBrokerBothWays() {
        List<String> events = new CopyOnWriteArrayList<>();
        gadget.subscribe(events::add);
        assertThat(gadget.fire("door open")).isEqualTo(1);
        assertThat(events).containsExactly("door open");

        Gadget.Relay host = new Gadget.HostRelay();
        assertThat(gadget.relay("x", 3, host)).isEqualTo("x|plugin|host|plugin|host");
    }

    @Test
    void anInProcessPluginCannotBeReattachedTo() {
        assertThatThrownBy(plugin::reattachConfig).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("in-process");
    }

    @Test
    void closeStopsTheServerRemovesItsSocketsAndLeavesThisJvmRunning() {
        PluginClient local = InProcess.start(config().build(), serve());
        Path socket = Path.of(local.handshake().address());
        Gadget other = local.dispense("gadget", Gadget.class);
        other.subscribe(event -> { }); // a broker listener on each side
        assertThat(Files.exists(socket)).isTrue();
        local.close();
        local.close();
        assertThat(local.exited()).isTrue();
        assertThat(local.onExit().join().pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(Files.exists(socket)).isFalse();
        assertThat(ProcessHandle.current().isAlive()).isTrue();
    }

    @Test
    void autoMtlsWorksInProcess() {
        try (PluginClient secure = InProcess.start(config().autoMtls(true).build(), serve())) {
            assertThat(secure.pluginCertificate()).isPresent();
            Gadget tls = secure.dispense("gadget", Gadget.class);
            List<String> events = new CopyOnWriteArrayList<>();
            tls.subscribe(events::add);
            assertThat(tls.fire("over tls")).isEqualTo(1);
            assertThat(events).containsExactly("over tls");
        }
    }

    @Test
    void aCookieMismatchFailsTheStartAndLeavesNothing() {
        ClientConfig wrong = ClientConfig.builder().name("gadget").multiplexBroker(multiplexed())
                .handshake(HandshakeConfig.of(1, "OUTPOST_TEST_GADGET", "other")).plugin("gadget", Gadget.class).build();
        assertThatThrownBy(() -> InProcess.start(wrong, serve()))
                .isInstanceOf(PluginStartException.class)
                .hasMessageContaining("magic cookie mismatch: the host's OUTPOST_TEST_GADGET=other is not the plugin's")
                .extracting(e -> ((PluginStartException) e).kind()).isEqualTo(PluginStartException.Kind.COOKIE_MISMATCH);
    }

    @Test
    void anIncompatibleVersionFailsTheStartAndStopsTheServer() {
        ClientConfig v2 = ClientConfig.builder().name("gadget").handshake(GadgetPlugin.HANDSHAKE)
                .multiplexBroker(multiplexed()).plugin(2, "gadget", Gadget.class).build();
        assertThatThrownBy(() -> InProcess.start(v2, serve()))
                .isInstanceOf(PluginStartException.class)
                .hasMessageContaining("plugin 'gadget' (in-process) speaks protocol version 1, but the host speaks [2]")
                .extracting(e -> ((PluginStartException) e).kind()).isEqualTo(PluginStartException.Kind.INCOMPATIBLE);
    }
}
