package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.outpost.fixtures.Gadget;
import dev.outpost.fixtures.GadgetPlugin;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * Runs sample test classes through the JUnit engine and checks what the extension did: when it started
 * and stopped plugins, and that nothing was left running or listening, even after failing tests.
 */
@ExtendWith(LeakCheck.class)
class PluginExtensionLifecycleTest {

    /** The clients the samples saw, in order. */
    static final List<PluginClient> SEEN = new CopyOnWriteArrayList<>();

    static PluginExtension.Builder gadget() {
        return PluginExtension.inProcess(GadgetPlugin.HANDSHAKE).pluginFactory("gadget", Gadget.class, GadgetPlugin::new);
    }

    static ClientConfig launchedGadget() {
        return ClientConfig.builder().name("gadget").handshake(GadgetPlugin.HANDSHAKE)
                .command(PluginExtension.javaMain(GadgetPlugin.class)).plugin("gadget", Gadget.class).build();
    }

    @BeforeEach
    void clear() {
        SEEN.clear();
    }

    private static Events run(Class<?> sample) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(sample)).execute().testEvents();
    }

    private static void assertNothingLeft(Set<Path> tempBefore) {
        assertThat(SEEN).allSatisfy(client -> assertThat(client.exited()).as("stopped").isTrue());
        Awaitility.await("plugin processes to end").atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)).isEmpty());
        assertThat(tempEntries()).as("sockets or socket directories left").isEqualTo(tempBefore);
    }

    static Set<Path> tempEntries() {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(path -> path.getFileName().toString().startsWith("outpost-"))
                    .collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aStaticFieldStartsOnePluginForTheClassAndStopsItAfterwardsEvenWhenATestFails() {
        Set<Path> before = tempEntries();
        run(ClassScoped.class).assertStatistics(stats -> stats.started(3).succeeded(2).failed(1));
        assertThat(SEEN).hasSize(3).containsOnly(SEEN.get(0));
        assertNothingLeft(before);
    }

    @Test
    void anInstanceFieldStartsAPluginPerTestWithAFreshImplementation() {
        Set<Path> before = tempEntries();
        run(TestScoped.class).assertStatistics(stats -> stats.started(2).succeeded(2));
        assertThat(SEEN).hasSize(2).doesNotHaveDuplicates();
        assertNothingLeft(before);
    }

    @Test
    void nestedClassesShareTheOuterClassPlugin() {
        Set<Path> before = tempEntries();
        run(Outer.class).assertStatistics(stats -> stats.started(2).succeeded(2));
        assertThat(SEEN).hasSize(2).containsOnly(SEEN.get(0));
        assertNothingLeft(before);
    }

    @Test
    void aLaunchedPluginLeavesNoProcessWhenItsTestFails() {
        Set<Path> before = tempEntries();
        run(LaunchedAndFailing.class).assertStatistics(stats -> stats.started(1).failed(1));
        assertThat(SEEN).hasSize(1);
        assertThat(SEEN.get(0).pid()).isNotEqualTo(ProcessHandle.current().pid());
        assertNothingLeft(before);
    }

    @Test
    void aParameterNoPluginDispensesIsNotResolved() {
        run(Unresolvable.class).assertStatistics(stats -> stats.started(1).failed(1));
    }

    @Test
    void inProcessStartsFasterThanALaunchedProcess() {
        run(TimedInProcess.class); // warm up the engine and the transport, for fairness
        long inProcess = System.nanoTime();
        run(TimedInProcess.class).assertStatistics(stats -> stats.succeeded(1));
        inProcess = System.nanoTime() - inProcess;
        long launched = System.nanoTime();
        run(TimedLaunched.class).assertStatistics(stats -> stats.succeeded(1));
        launched = System.nanoTime() - launched;
        assertThat(inProcess).as("in-process %d ms, launched %d ms", inProcess / 1_000_000, launched / 1_000_000)
                .isLessThan(launched);
    }

    // Samples: run only through EngineTestKit (surefire skips nested classes).

    static class ClassScoped {
        @RegisterExtension
        static final PluginExtension plugin = gadget().build();

        @Test
        void first(PluginClient client, Gadget gadget) {
            SEEN.add(client);
            gadget.remember("first");
        }

        @Test
        void second(PluginClient client, Gadget gadget) {
            SEEN.add(client);
            gadget.remember("second");
        }

        @Test
        void failing(PluginClient client) {
            SEEN.add(client);
            throw new AssertionError("this test fails on purpose");
        }
    }

    static class TestScoped {
        @RegisterExtension
        final PluginExtension plugin = gadget().build();

        @Test
        void first(PluginClient client, Gadget gadget) {
            SEEN.add(client);
            gadget.remember("first");
            assertThat(gadget.remembered()).containsExactly("first");
        }

        @Test
        void second(PluginClient client, Gadget gadget) {
            SEEN.add(client);
            gadget.remember("second");
            assertThat(gadget.remembered()).containsExactly("second");
        }
    }

    static class Outer {
        @RegisterExtension
        static final PluginExtension plugin = gadget().build();

        @Test
        void outer(PluginClient client) {
            SEEN.add(client);
        }

        @Nested
        class Inner {
            @Test
            void inner(PluginClient client) {
                SEEN.add(client);
            }
        }
    }

    static class LaunchedAndFailing {
        @RegisterExtension
        static final PluginExtension plugin = PluginExtension.launch(launchedGadget());

        @Test
        void failing(PluginClient client, Gadget gadget) {
            SEEN.add(client);
            assertThat(gadget.add(1, 1)).isEqualTo(3);
        }
    }

    static class Unresolvable {
        @RegisterExtension
        static final PluginExtension plugin = gadget().build();

        @Test
        void wantsARelay(Gadget.Relay relay) {
        }
    }

    static class TimedInProcess {
        @RegisterExtension
        final PluginExtension plugin = gadget().build();

        @Test
        void call(Gadget gadget) {
            assertThat(gadget.add(1, 1)).isEqualTo(2);
        }
    }

    static class TimedLaunched {
        @RegisterExtension
        final PluginExtension plugin = PluginExtension.launch(launchedGadget());

        @Test
        void call(Gadget gadget) {
            assertThat(gadget.add(1, 1)).isEqualTo(2);
        }
    }
}
