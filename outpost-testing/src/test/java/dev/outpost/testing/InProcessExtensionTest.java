package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.PluginCallException;
import dev.outpost.fixtures.Gadget;
import dev.outpost.fixtures.GadgetPlugin;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.host.PluginClient;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension as a plugin author uses it, in-process: injection by type, calls, errors, callbacks. */
@ExtendWith(LeakCheck.class)
class InProcessExtensionTest {

    @RegisterExtension
    static final PluginExtension gadgets = PluginExtension.inProcess(GadgetPlugin.HANDSHAKE)
            .plugin("gadget", Gadget.class, new GadgetPlugin())
            .build();

    private static PluginClient startedBeforeAll;

    @BeforeAll
    static void lifecycleMethodsGetTheClientToo(PluginClient client) {
        startedBeforeAll = client;
    }

    @Test
    void injectsTheDispensedInterfaceAndTheClient(Gadget gadget, PluginClient client) {
        assertThat(gadget.add(2, 3)).isEqualTo(5);
        assertThat(client).isSameAs(startedBeforeAll).isSameAs(gadgets.client());
        assertThat(client.isInProcess()).isTrue();
        assertThat(client.name()).isEqualTo("gadget");
        assertThat(gadgets.isInProcess()).isTrue();
        assertThat(gadgets.dispense(Gadget.class).greet("you")).isEqualTo("hello, you");
    }

    @Test
    void exceptionsAndCallbacksWorkAsOverAProcess(Gadget gadget) {
        assertThatThrownBy(() -> gadget.failChecked("nope")).isInstanceOf(Gadget.GadgetException.class)
                .hasMessage("nope").cause().isInstanceOf(PluginCallException.class);
        List<String> events = new CopyOnWriteArrayList<>();
        gadget.subscribe(events::add);
        gadget.fire("ring");
        assertThat(events).contains("ring");
    }
}
