package dev.outpost.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fixtures.Footprint;
import dev.outpost.fixtures.Gadget;
import dev.outpost.fixtures.GadgetPlugin;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.inprocess.InProcess;
import dev.outpost.plugin.ServeConfig;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A host that starts, uses and closes plugins for a long time keeps nothing of them: heap, threads, file
 * descriptors, scheduled checks and processes come back to where they were, whether the plugins ran in
 * this JVM or in processes of their own, whether their connections were plain or multiplexed, and
 * whatever callbacks went through their brokers.
 */
@ExtendWith(LeakCheck.class)
class ClientLeakTest {

    private static final byte[] VALUE = new byte[100 * 1024];
    /** Fewer than in this JVM: each costs a JVM start, and what a process leaves shows in 200 as well. */
    private static final int LAUNCHED = 200;

    private static ClientConfig.Builder config(int round) {
        return ClientConfig.builder().name("gadget").handshake(GadgetPlugin.HANDSHAKE)
                .plugin("gadget", Gadget.class).multiplexBroker(round % 2 == 1);
    }

    private static PluginClient inProcess(int round) {
        ServeConfig serve = ServeConfig.builder().handshake(GadgetPlugin.HANDSHAKE)
                .plugin("gadget", Gadget.class, new GadgetPlugin()).build();
        return InProcess.start(config(round).build(), serve);
    }

    private static PluginClient launched(int round) {
        return PluginClient.start(config(round).command(TestJvm.of(GadgetPlugin.class)).build());
    }

    private static void useAndClose(int round, IntFunction<PluginClient> start) {
        try (PluginClient plugin = start.apply(round)) {
            Gadget gadget = plugin.dispense("gadget", Gadget.class);
            assertThat(gadget.reverse(VALUE)).hasSize(VALUE.length);
            List<String> events = new CopyOnWriteArrayList<>();
            gadget.subscribe(events::add); // a callback: the host serves it on its broker, the plugin dials it
            assertThat(gadget.fire("round " + round)).isEqualTo(1);
            assertThat(events).containsExactly("round " + round);
        }
    }

    private static void leavesNothingBehind(int warmUps, int rounds, IntFunction<PluginClient> start) {
        for (int round = 0; round < warmUps; round++) {
            useAndClose(round, start); // classes, event loops, the executors' threads
        }
        Footprint baseline = Footprint.now();
        for (int round = 0; round < rounds; round++) {
            useAndClose(round, start);
        }
        Footprint.assertBackTo(baseline);
    }

    @Test
    void aThousandPluginsInThisJvmStartedUsedAndClosedLeaveNothingBehind() {
        leavesNothingBehind(50, 1000, ClientLeakTest::inProcess);
    }

    @Test
    void twoHundredLaunchedPluginsStartedUsedAndClosedLeaveNothingBehind() {
        leavesNothingBehind(5, LAUNCHED, ClientLeakTest::launched);
    }
}
