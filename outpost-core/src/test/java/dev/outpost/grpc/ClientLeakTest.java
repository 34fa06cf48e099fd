package dev.outpost.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.fixtures.Gadget;
import dev.outpost.fixtures.GadgetPlugin;
import dev.outpost.fixtures.LeakCheck;
import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;
import dev.outpost.plugin.ServeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A host that starts, uses and closes plugins for a long time keeps nothing of them: heap, threads, file
 * descriptors and scheduled checks come back to where they were, whether the plugins' connections were
 * plain or multiplexed and whatever callbacks went through their brokers.
 */
@ExtendWith(LeakCheck.class)
class ClientLeakTest {

    private static final int CLIENTS = 1000;
    private static final byte[] VALUE = new byte[100 * 1024];

    private static void useAndClose(int round) {
        ClientConfig config = ClientConfig.builder().name("gadget").handshake(GadgetPlugin.HANDSHAKE)
                .plugin("gadget", Gadget.class).multiplexBroker(round % 2 == 1).build();
        ServeConfig serve = ServeConfig.builder().handshake(GadgetPlugin.HANDSHAKE)
                .plugin("gadget", Gadget.class, new GadgetPlugin()).build();
        try (PluginClient plugin = PluginClient.inProcess(config, serve)) {
            Gadget gadget = plugin.dispense("gadget", Gadget.class);
            assertThat(gadget.reverse(VALUE)).hasSize(VALUE.length);
            List<String> events = new CopyOnWriteArrayList<>();
            gadget.subscribe(events::add); // a callback: the host serves it on its broker, the plugin dials it
            assertThat(gadget.fire("round " + round)).isEqualTo(1);
            assertThat(events).containsExactly("round " + round);
        }
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The shared pool's call threads, or all the others (but for the one that awaits). */
    private static long threads(boolean callPool) {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> !name.startsWith("awaitility"))
                .filter(name -> name.startsWith("outpost-call-") && !name.startsWith("outpost-call-watchdog") == callPool)
                .count();
    }

    private static List<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).sorted().toList();
    }

    private static long fileDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aThousandPluginsStartedUsedAndClosedLeaveNothingBehind() {
        for (int round = 0; round < 50; round++) {
            useAndClose(round); // warm-up: classes, event loops, the executors' threads
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> DefaultDeadline.scheduledChecks() == 0);
        long heap = heapAfterGc();
        long threads = threads(false);
        long fds = fileDescriptors();

        for (int round = 0; round < CLIENTS; round++) {
            useAndClose(round);
        }

        assertThat(DefaultDeadline.scheduledChecks()).as("deadline checks of closed channels").isZero();
        await("heap back within 5 MB of " + heap / 1024 + " KiB").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500)).until(() -> heapAfterGc() - heap < 5 << 20);
        // Threads and descriptors of connections on their way out may take a moment to go.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(threads(false))
                .as("threads, were %d: %s", threads, threadNames()).isLessThanOrEqualTo(threads + 2));
        // Idle call threads go after a minute; a thread kept per client would make a thousand.
        assertThat(threads(true)).as("call threads: %s", threadNames()).isLessThanOrEqualTo(16);
        await("file descriptors back to " + fds).atMost(Duration.ofSeconds(30))
                .until(() -> fileDescriptors() <= fds + 2);
    }
}
