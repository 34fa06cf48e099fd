package dev.outpost.benchmarks.profile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a JVM's CPU went during the phases of a benchmark, from a JFR recording's execution samples:
 * for each time window, the share of samples by thread pool, by the layer of the code on top of the
 * stack (Netty, gRPC, protobuf, Outpost, Jackson, the JDK), and the hottest methods. A sample is a
 * thread seen running Java code, so the shares are shares of the process's Java CPU time; time a
 * thread spends parked or in epoll_wait is not in them.
 *
 * <pre>
 *   java -cp outpost-benchmarks.jar dev.outpost.benchmarks.profile.JfrSummary REC.jfr LABEL=FROM_MS-TO_MS[:CALLS]...
 * </pre>
 *
 * FROM_MS and TO_MS are wall-clock times in epoch milliseconds, as {@code benchmarks/profile.sh} takes
 * them from the benchmark's output lines. With CALLS, the JVM's CPU time in the window (from JFR's
 * once-a-second {@code jdk.CPULoad}, machine share times cores) is given per call too. Prints Markdown.
 */
public final class JfrSummary {

    private static final int TOP_METHODS = 12;

    /** Layers by the package of the frame on top of the stack, first match wins. */
    private static final List<Map.Entry<String, String>> LAYERS = List.of(
            Map.entry("io.grpc.netty.shaded.io.netty.", "Netty"),
            Map.entry("io.grpc.netty.shaded.io.grpc.netty.", "gRPC Netty transport"),
            Map.entry("io.grpc.", "gRPC"),
            Map.entry("com.google.protobuf.", "protobuf"),
            Map.entry("tools.jackson.", "Jackson"),
            Map.entry("com.fasterxml.jackson.", "Jackson"),
            Map.entry("dev.outpost.", "Outpost"),
            Map.entry("java.util.concurrent.", "JDK concurrency"),
            Map.entry("java.lang.invoke.", "JDK reflection/invoke"),
            Map.entry("java.lang.reflect.", "JDK reflection/invoke"),
            Map.entry("jdk.internal.reflect.", "JDK reflection/invoke"),
            Map.entry("java.", "JDK other"),
            Map.entry("jdk.", "JDK other"),
            Map.entry("sun.", "JDK other"));

    private JfrSummary() {
    }

    /** What one window's samples add up to. */
    private static final class Tally {
        int samples;
        /** The sum and number of jdk.CPULoad's machine shares of the JVM in the window. */
        double cpuShares;
        int cpuEvents;
        final Map<String, Integer> threads = new HashMap<>();
        final Map<String, Integer> layers = new HashMap<>();
        final Map<String, Integer> methods = new HashMap<>();

        void add(String thread, String layer, String method) {
            samples++;
            threads.merge(thread, 1, Integer::sum);
            layers.merge(layer, 1, Integer::sum);
            methods.merge(method, 1, Integer::sum);
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: JfrSummary REC.jfr LABEL=FROM_MS-TO_MS...");
            System.exit(2);
        }
        List<Window> windows = Window.parseAll(args, 1);
        Map<Window, Tally> tallies = new LinkedHashMap<>();
        windows.forEach(window -> tallies.put(window, new Tally()));
        int cores = Runtime.getRuntime().availableProcessors();
        for (RecordedEvent event : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if (event.getEventType().getName().equals("jdk.CPULoad")) {
                // Each event is the JVM's share of the machine over the second before it.
                double share = event.getFloat("jvmUser") + event.getFloat("jvmSystem");
                for (Window window : windows) {
                    if (window.contains(event.getStartTime())) {
                        tallies.get(window).cpuShares += share;
                        tallies.get(window).cpuEvents++;
                    }
                }
                continue;
            }
            if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            RecordedStackTrace stack = event.getStackTrace();
            if (stack == null || stack.getFrames().isEmpty()) {
                continue;
            }
            RecordedFrame top = stack.getFrames().get(0);
            String type = top.getMethod().getType().getName();
            String method = type + "." + top.getMethod().getName();
            RecordedThread thread = event.getThread("sampledThread");
            String pool = pool(thread == null ? "?" : thread.getJavaName());
            for (Window window : windows) {
                if (window.contains(event.getStartTime())) {
                    tallies.get(window).add(pool, layer(type), method);
                }
            }
        }
        System.out.print(markdown(args[0], tallies, cores));
    }

    /** A thread's pool: its name without the numbers that tell its members apart. */
    static String pool(String threadName) {
        if (threadName == null) {
            return "?";
        }
        return threadName.replaceAll("\\d+", "N");
    }

    static String layer(String type) {
        for (Map.Entry<String, String> layer : LAYERS) {
            if (type.startsWith(layer.getKey())) {
                return layer.getValue();
            }
        }
        return "other";
    }

    private static String markdown(String file, Map<Window, Tally> tallies, int cores) {
        StringBuilder out = new StringBuilder();
        out.append("Execution samples of `").append(Path.of(file).getFileName()).append("`, by phase.\n");
        tallies.forEach((window, tally) -> {
            out.append(String.format(Locale.ROOT, "%n#### %s: %d samples in %.1f s%n%n", window.label(),
                    tally.samples, window.seconds()));
            if (tally.cpuEvents > 0) {
                // The mean share over the window's once-a-second events, times the window: a window's
                // edges fall between two events.
                double seconds = tally.cpuShares / tally.cpuEvents * cores * window.seconds();
                out.append(String.format(Locale.ROOT, "JVM CPU %.2f cores on average, %.1f core-seconds",
                        tally.cpuShares / tally.cpuEvents * cores, seconds));
                if (window.calls() > 0) {
                    out.append(String.format(Locale.ROOT, ", %.1f µs per call (%,d calls)",
                            seconds * 1e6 / window.calls(), window.calls()));
                }
                out.append(".\n\n");
            }
            if (tally.samples == 0) {
                return;
            }
            table(out, "thread pool", tally.threads, tally.samples, Integer.MAX_VALUE);
            table(out, "layer on top of the stack", tally.layers, tally.samples, Integer.MAX_VALUE);
            table(out, "hottest methods (self)", tally.methods, tally.samples, TOP_METHODS);
        });
        return out.toString();
    }

    private static void table(StringBuilder out, String title, Map<String, Integer> counts, int total, int limit) {
        out.append("| ").append(title).append(" | share |\n| --- | ---: |\n");
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(limit)
                .forEach(e -> out.append("| `").append(e.getKey()).append("` | ")
                        .append(String.format(Locale.ROOT, "%.1f%%", 100.0 * e.getValue() / total)).append(" |\n"));
        out.append('\n');
    }
}
