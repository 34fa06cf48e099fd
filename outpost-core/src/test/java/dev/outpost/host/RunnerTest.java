package dev.outpost.host;

import dev.outpost.PluginStartException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.outpost.fixtures.LeakCheck;
import dev.outpost.fixtures.Probe;
import dev.outpost.fixtures.ProbePlugin;
import dev.outpost.fixtures.TestJvm;
import dev.outpost.Network;
import dev.outpost.internal.wire.PluginEnv;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A {@link Runner} of the host's own: what it is given, what it may translate, when it is released. */
@ExtendWith(LeakCheck.class)
class RunnerTest {

    /** Starts the plugin locally and records what it was asked and told. */
    private static final class Recording implements Runner {
        final List<Launch> launches = new CopyOnWriteArrayList<>();
        final List<String> translated = new CopyOnWriteArrayList<>();
        final AtomicInteger released = new AtomicInteger();
        final boolean refuseAddress;

        Recording(boolean refuseAddress) {
            this.refuseAddress = refuseAddress;
        }

        @Override
        public Launched start(Launch launch) throws IOException {
            launches.add(launch);
            Launched local = Runner.local().start(launch);
            return new Launched() {
                @Override
                public Process process() {
                    return local.process();
                }

                @Override
                public String pluginToHost(Network network, String address) {
                    translated.add(network.wireName() + ":" + address);
                    if (refuseAddress) {
                        throw new IllegalArgumentException("it is on another planet");
                    }
                    return address;
                }

                @Override
                public void release() {
                    released.incrementAndGet();
                }
            };
        }
    }

    private static ClientConfig probe(Runner runner) {
        return ClientConfig.builder().name("probe").handshake(ProbePlugin.HANDSHAKE)
                .command(TestJvm.of(ProbePlugin.class)).env("EXTRA", "yes").runner(runner)
                .plugin("probe", Probe.plugin()).build();
    }

    @Test
    void theRunnerStartsThePluginWithItsWholeEnvironmentAndIsReleasedOnceItIsGone() {
        Recording runner = new Recording(false);
        PluginClient plugin = PluginClient.start(probe(runner));
        Runner.Launch launch;
        try (plugin) {
            assertThat(plugin.dispense("probe", Probe.Client.class).echo("hi")).isEqualTo("hi");
            assertThat(runner.launches).hasSize(1);
            launch = runner.launches.get(0);
            assertThat(launch.pluginName()).isEqualTo("probe");
            assertThat(launch.command()).isEqualTo(TestJvm.of(ProbePlugin.class));
            assertThat(launch.inputs()).as("its program").containsExactly(Path.of(launch.command().get(0)));
            assertThat(launch.environment()).containsEntry("EXTRA", "yes")
                    .containsEntry(ProbePlugin.HANDSHAKE.magicCookieKey(), ProbePlugin.HANDSHAKE.magicCookieValue())
                    .containsEntry(PluginEnv.UNIX_SOCKET_DIR, launch.socketDirectory().toString())
                    .containsKey(PluginProcess.INSTANCE_ENV).containsKey("PATH");
            assertThat(runner.translated).containsExactly("unix:" + plugin.handshake().address());
            assertThat(runner.released).hasValue(0);
        }
        assertThat(runner.released).as("released once, after the stop").hasValue(1);
        assertThat(launch.socketDirectory()).doesNotExist();
    }

    @Test
    void anAddressTheHostCannotReachFailsTheStartSayingWhyAndLeavesNothing() {
        Recording runner = new Recording(true);
        PluginStartException failure = catchThrowableOfType(PluginStartException.class,
                () -> PluginClient.start(probe(runner)));
        assertThat(failure.getMessage()).startsWith("plugin 'probe' (").contains(" listens at unix:")
                .contains(", where the host cannot reach it: it is on another planet");
        assertThat(failure.kind()).isEqualTo(PluginStartException.Kind.INCOMPATIBLE);
        assertThat(runner.released).hasValue(1);
        assertThat(runner.launches.get(0).socketDirectory()).doesNotExist();
    }
}
