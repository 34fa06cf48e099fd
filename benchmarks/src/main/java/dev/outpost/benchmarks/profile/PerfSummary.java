package dev.outpost.benchmarks.profile;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the CPU went, both sides and the kernel, during the phases of a benchmark: reads the text of
 * {@code perf script -F comm,pid,tid,time,ip,sym,dso} of a {@code perf record -F HZ -k realtime} of the
 * benchmark's process tree (host and plugin), and sums the samples of each time window by process
 * (Java or Go), by layer (kernel, JIT-compiled Java, the JVM itself, libc, Netty's epoll JNI, Go code), by
 * thread pool, and the hottest kernel and Java symbols. A sample is 1/HZ s of one CPU, so a window's
 * samples divided by HZ and by its calls are CPU time per call.
 *
 * <pre>
 *   java -cp outpost-benchmarks.jar dev.outpost.benchmarks.profile.PerfSummary SCRIPT.txt HZ LABEL=FROM_MS-TO_MS:CALLS...
 * </pre>
 */
public final class PerfSummary {

    private static final Pattern LINE = Pattern.compile(
            "^\\s*(.+?)\\s+(\\d+)/(\\d+)\\s+(\\d+)\\.(\\d+):\\s+[0-9a-f]+\\s+(.*?)\\s+\\((.*)\\)\\s*$");
    private static final int TOP = 10;

    private PerfSummary() {
    }

    private record Sample(String thread, long pid, long micros, String symbol, String dso) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: PerfSummary SCRIPT.txt HZ LABEL=FROM_MS-TO_MS:CALLS...");
            System.exit(2);
        }
        int hz = Integer.parseInt(args[1]);
        List<Window> windows = Window.parseAll(args, 2);
        List<Sample> samples = read(Path.of(args[0]));
        Map<Long, String> runtimes = runtimes(samples);
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "perf samples at %d Hz of the benchmark's processes, by phase.%n", hz));
        for (Window window : windows) {
            List<Sample> in = samples.stream().filter(s -> window.containsMicros(s.micros())).toList();
            section(out, window, in, runtimes, hz);
        }
        System.out.print(out);
    }

    private static List<Sample> read(Path file) throws IOException {
        List<Sample> samples = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file)) {
            String line;
            while ((line = reader.readLine()) != null) {
                Matcher m = LINE.matcher(line);
                if (m.matches()) {
                    long micros = Long.parseLong(m.group(4)) * 1_000_000 + Long.parseLong((m.group(5) + "000000")
                            .substring(0, 6));
                    samples.add(new Sample(m.group(1).strip(), Long.parseLong(m.group(2)), micros, m.group(6),
                            m.group(7)));
                }
            }
        }
        return samples;
    }

    /**
     * Each process's runtime: Java if any of its samples is in the JVM or in JIT-compiled code, else Go or
     * the name most of its samples carry (a child is sampled under its parent's name until its exec).
     */
    private static Map<Long, String> runtimes(List<Sample> samples) {
        Set<Long> java = new HashSet<>();
        Map<Long, Map<String, Integer>> names = new HashMap<>();
        for (Sample s : samples) {
            if (s.dso().endsWith("libjvm.so") || isJit(s.dso())) {
                java.add(s.pid());
            }
            names.computeIfAbsent(s.pid(), pid -> new HashMap<>()).merge(s.thread(), 1, Integer::sum);
        }
        Map<Long, String> runtimes = new HashMap<>();
        names.forEach((pid, counts) -> {
            String name = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
            runtimes.put(pid, java.contains(pid) ? "Java" : name.startsWith("go") ? "Go" : name);
        });
        return runtimes;
    }

    private static boolean isJit(String dso) {
        return dso.matches(".*perf-\\d+\\.map.*") || dso.startsWith("[JIT]");
    }

    static String layer(String dso) {
        if (dso.equals("[kernel.kallsyms]")) {
            return "kernel";
        }
        if (isJit(dso)) {
            return "JIT-compiled Java";
        }
        if (dso.endsWith("libjvm.so")) {
            return "JVM (runtime, GC, JIT compilers)";
        }
        if (dso.contains("netty_transport_native_epoll")) {
            return "Netty's epoll JNI";
        }
        if (dso.contains("libc.so") || dso.equals("[vdso]") || dso.contains("ld-linux") || dso.contains("libpthread")) {
            return "libc, vdso";
        }
        if (dso.contains("go-kv") || dso.contains("go18-kv")) {
            return "Go code";
        }
        return "other (" + Path.of(dso).getFileName() + ")";
    }

    private static void section(StringBuilder out, Window window, List<Sample> in, Map<Long, String> runtimes, int hz) {
        double seconds = window.seconds();
        out.append(String.format(Locale.ROOT, "%n#### %s: %,d samples in %.1f s: %.2f CPUs busy, %.1f µs of CPU per call%n%n",
                window.label(), in.size(), seconds, in.size() / (double) hz / seconds,
                in.size() * 1e6 / hz / Math.max(1, window.calls())));
        if (in.isEmpty()) {
            return;
        }
        Map<String, Integer> byLayer = new HashMap<>();
        Map<String, Integer> byPool = new HashMap<>();
        Map<String, Integer> kernel = new HashMap<>();
        Map<String, Integer> javaCode = new HashMap<>();
        for (Sample s : in) {
            String runtime = runtimes.get(s.pid());
            String layer = layer(s.dso());
            byLayer.merge(runtime + ": " + layer, 1, Integer::sum);
            byPool.merge(runtime + ": " + s.thread().replaceAll("\\d+", "N"), 1, Integer::sum);
            if (layer.equals("kernel")) {
                kernel.merge(s.symbol(), 1, Integer::sum);
            } else if (layer.equals("JIT-compiled Java")) {
                javaCode.merge(s.symbol().replaceAll("\\(.*\\)", "()"), 1, Integer::sum);
            }
        }
        table(out, "process: layer", byLayer, in.size(), window.calls(), hz, Integer.MAX_VALUE);
        table(out, "process: thread", byPool, in.size(), window.calls(), hz, TOP);
        table(out, "kernel symbols", kernel, in.size(), window.calls(), hz, TOP);
        table(out, "JIT-compiled Java methods", javaCode, in.size(), window.calls(), hz, TOP);
    }

    private static void table(StringBuilder out, String title, Map<String, Integer> counts, int total, long calls,
                              int hz, int limit) {
        out.append("| ").append(title).append(" | share | µs per call |\n| --- | ---: | ---: |\n");
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(limit)
                .forEach(e -> out.append("| `").append(e.getKey().replace("|", "\\|")).append("` | ")
                        .append(String.format(Locale.ROOT, "%.1f%% | %.1f", 100.0 * e.getValue() / total,
                                e.getValue() * 1e6 / hz / Math.max(1, calls)))
                        .append(" |\n"));
        out.append('\n');
    }
}
