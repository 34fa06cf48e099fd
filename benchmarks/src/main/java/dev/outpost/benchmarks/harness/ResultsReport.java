package dev.outpost.benchmarks.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns the harness's raw lines ({@code pair=ID round=R BENCH WHAT key=value...}) into
 * {@code results.md}, {@code results.csv} and {@code latency.png}:
 * {@code ResultsReport RAW_FILE META_FILE OUT_DIR [JMH_ROUNDS_DIR|JMH_RESULT.json]}. Per pair and measurement, the tables show
 * the median over the rounds of each round's figure; the CSV keeps every round. The goals (see
 * {@link GoalsSection}) quote the JMH result when one is given.
 */
public final class ResultsReport {

    /** The side-by-side pairs, in table order; the first is the go-plugin baseline. */
    static final Map<String, String> PAIRS = new LinkedHashMap<>();

    static {
        PAIRS.put("go-go", "Go host → Go plugin (go-plugin baseline)");
        PAIRS.put("java-go", "Java host → Go plugin");
        PAIRS.put("go-java", "Go host → Java plugin");
        PAIRS.put("java-java", "Java host → Java plugin (protobuf)");
        PAIRS.put("java-java-iface", "Java host → Java plugin (interface mode)");
    }

    static final String BASELINE = "go-go";

    /** The bare JVM's rows (BareJvmProbe): its cold start and its idle RSS, in the rounds of the pairs. */
    static final String BARE_JVM = "bare-jvm";
    static final String BARE_COLD_START = "bare_cold_start";
    static final String BARE_IDLE = "bare_idle";

    /** Meta lines {@code change COMMIT: what it changed} list the commits of section 8, in order. */
    static final String CHANGE = "change ";

    /** One parsed BENCH line. */
    record Row(String pair, int round, String what, Map<String, String> values) {
        double num(String key) {
            String v = values.get(key);
            return v == null ? Double.NaN : Double.parseDouble(v);
        }
    }

    private final List<Row> rows = new ArrayList<>();

    /** The JMH rounds or result the goals quote (interface vs protobuf mode, see {@link JmhRatio}), or null. */
    private final Path jmhResult;

    ResultsReport() {
        this(null);
    }

    ResultsReport(Path jmhResult) {
        this.jmhResult = jmhResult;
    }

    Path jmhResult() {
        return jmhResult;
    }

    void add(Row row) {
        rows.add(row);
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3 && args.length != 4) {
            System.err.println("usage: ResultsReport RAW_FILE META_FILE OUT_DIR [JMH_ROUNDS_DIR|JMH_RESULT.json]");
            System.exit(2);
        }
        ResultsReport report = new ResultsReport(args.length == 4 ? Path.of(args[3]) : null);
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            report.parse(line).ifPresent(report::add);
        }
        List<String> meta = Files.readAllLines(Path.of(args[1]));
        Path out = Path.of(args[2]);
        Files.createDirectories(out);
        Files.writeString(out.resolve("results.csv"), report.csv());
        Files.writeString(out.resolve("results.md"), report.markdown(meta));
        LatencyPlot.write(report, out.resolve("latency.png"));
        System.out.println("ResultsReport: wrote results.md, results.csv, latency.png to " + out);
    }

    Optional<Row> parse(String line) {
        String[] words = line.trim().split("\\s+");
        if (words.length < 4 || !words[0].startsWith("pair=") || !words[1].startsWith("round=")
                || !words[2].equals("BENCH")) {
            return Optional.empty();
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int w = 4; w < words.length; w++) {
            int eq = words[w].indexOf('=');
            if (eq > 0) {
                values.put(words[w].substring(0, eq), words[w].substring(eq + 1));
            }
        }
        return Optional.of(new Row(words[0].substring(5), Integer.parseInt(words[1].substring(6)), words[3], values));
    }

    String csv() {
        StringBuilder b = new StringBuilder("pair,round,measurement,key,value\n");
        for (Row row : rows) {
            String what = row.what() + (row.values().containsKey("callers") ? "_callers" + row.values().get("callers")
                    : row.values().containsKey("plugins") ? "_plugins" + row.values().get("plugins") : "");
            row.values().forEach((k, v) -> {
                if (!k.equals("callers") && !k.equals("plugins")) {
                    b.append(row.pair()).append(',').append(row.round()).append(',').append(what).append(',')
                            .append(k).append(',').append(v).append('\n');
                }
            });
        }
        return b.toString();
    }

    /** Median over rounds of {@code key} in the rows of {@code pair}/{@code what} (matching {@code filter} k=v). */
    double median(String pair, String what, String filterKey, String filterValue, String key) {
        return median(matching(pair, what, filterKey, filterValue).mapToDouble(r -> r.num(key)).toArray());
    }

    /**
     * Per round, the figure {@code key} of {@code pair}/{@code what} (rows matching {@code filter} k=v): the
     * median of the round's rows. Rounds without that figure are absent.
     */
    Map<Integer, Double> byRound(String pair, String what, String filterKey, String filterValue, String key) {
        Map<Integer, List<Double>> values = new TreeMap<>();
        matching(pair, what, filterKey, filterValue).filter(r -> !Double.isNaN(r.num(key)))
                .forEach(r -> values.computeIfAbsent(r.round(), k -> new ArrayList<>()).add(r.num(key)));
        Map<Integer, Double> medians = new TreeMap<>();
        values.forEach((round, v) -> medians.put(round, median(v.stream().mapToDouble(Double::doubleValue).toArray())));
        return medians;
    }

    private java.util.stream.Stream<Row> matching(String pair, String what, String filterKey, String filterValue) {
        return rows.stream()
                .filter(r -> r.pair().equals(pair) && r.what().equals(what))
                .filter(r -> filterKey == null || filterValue.equals(r.values().get(filterKey)));
    }

    /** The median of {@code values}, NaN ones left out; NaN when none is left. */
    static double median(double[] values) {
        double[] sorted = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The rows of {@code pair}/{@code what}, in the order measured. */
    List<Row> rows(String pair, String what) {
        return matching(pair, what, null, null).toList();
    }

    long rounds(String pair, String what) {
        return rows.stream().filter(r -> r.pair().equals(pair) && r.what().equals(what)).map(Row::round).distinct().count();
    }

    double get(String pair, int callers, String key) {
        return median(pair, "get", "callers", Integer.toString(callers), key);
    }

    static String f(double v, int decimals) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    static String ratio(double v, double base) {
        return Double.isNaN(v) || Double.isNaN(base) || base == 0 ? "–" : String.format(Locale.ROOT, "%.2fx", v / base);
    }

    String markdown(List<String> meta) {
        StringBuilder b = new StringBuilder();
        b.append("# Outpost vs go-plugin: whole-process benchmarks\n\n");
        b.append("Produced by `benchmarks/harness.sh` (raw lines: `raw.txt`, every round: `results.csv`, plot: "
                + "`latency.png`). Each figure is the median over the rounds of that round's figure; the pairs ran "
                + "alternately, round by round, in one run. Ratios are against the go-plugin baseline "
                + "(Go host → Go plugin): for times, above 1 is slower; for calls/s, below 1 is slower.\n\n");
        b.append("## Machine\n\n");
        for (String line : meta) {
            if (!line.isBlank() && !line.startsWith(CHANGE)) {
                b.append("- ").append(line).append('\n');
            }
        }
        b.append("\n## 1. Unary round trip, one caller (Get over a Unix socket)\n\n");
        b.append("| pair | p50 µs | p99 µs | mean µs | calls/s | p50 vs baseline | mean vs baseline | rounds |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (var pair : PAIRS.entrySet()) {
            String id = pair.getKey();
            b.append("| ").append(pair.getValue()).append(" | ").append(f(get(id, 1, "p50_us"), 1)).append(" | ")
                    .append(f(get(id, 1, "p99_us"), 1)).append(" | ").append(f(get(id, 1, "mean_us"), 1)).append(" | ")
                    .append(f(get(id, 1, "calls_per_s"), 0)).append(" | ")
                    .append(ratio(get(id, 1, "p50_us"), get(BASELINE, 1, "p50_us"))).append(" | ")
                    .append(ratio(get(id, 1, "mean_us"), get(BASELINE, 1, "mean_us"))).append(" | ")
                    .append(rounds(id, "get")).append(" |\n");
        }
        b.append("\n## 2. Throughput with concurrent callers (calls/s; p50 / p99 µs per call)\n\n");
        b.append("| pair | 1 caller | 4 callers | 16 callers | 1 vs baseline | 4 vs baseline | 16 vs baseline | p50/p99 µs at 16 |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (var pair : PAIRS.entrySet()) {
            String id = pair.getKey();
            b.append("| ").append(pair.getValue());
            for (int c : new int[] {1, 4, 16}) {
                b.append(" | ").append(f(get(id, c, "calls_per_s"), 0));
            }
            for (int c : new int[] {1, 4, 16}) {
                b.append(" | ").append(ratio(get(id, c, "calls_per_s"), get(BASELINE, c, "calls_per_s")));
            }
            b.append(" | ").append(f(get(id, 16, "p50_us"), 0)).append(" / ").append(f(get(id, 16, "p99_us"), 0)).append(" |\n");
        }
        b.append("\n## 3. Cold start: launch to first successful Get (ms)\n\n");
        b.append("The last row is the limit a Java plugin can approach: a bare JVM that prints \"hi\" and exits, "
                + "launched like a Java plugin (`interop/java-plugin`: the same JVM options, class data sharing with an "
                + "archive of its own), timed by a Java process from just before the launch to the line read.\n\n");
        b.append("| pair | p50 ms | mean ms | min ms | max ms | p50 vs baseline | runs × rounds |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (var pair : PAIRS.entrySet()) {
            coldRow(b, pair.getValue(), pair.getKey(), "cold_start");
        }
        coldRow(b, "bare JVM printing \"hi\" (a Java plugin's JVM options and class data sharing)", BARE_JVM,
                BARE_COLD_START);
        b.append("\n## 4. Crash detection: SIGKILL of the plugin to the host's state change (ms)\n\n");
        b.append("Java host: from just before `ProcessHandle.destroyForcibly()` (SIGKILL) to the completion of "
                + "`PluginClient.onExit()` (a callback timestamp). Go host: from just before `syscall.Kill(pid, SIGKILL)` "
                + "until go-plugin's `client.Exited()` is seen true, polled every 20 µs (go-plugin v1.0.1 has no exit "
                + "callback). Both hosts kill the plugin themselves after one successful Get. The last column (Java hosts "
                + "only) is when the JDK's own `ProcessHandle.onExit()` completed in the same runs: the part of the time "
                + "that is the kernel's and the JDK's, not Outpost's.\n\n");
        b.append("| pair | p50 ms | mean ms | min ms | max ms | p50 vs baseline | runs × rounds | JDK onExit p50 ms |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (var pair : PAIRS.entrySet()) {
            String id = pair.getKey();
            b.append("| ").append(pair.getValue()).append(" | ").append(f(median(id, "crash_detect", null, null, "p50_ms"), 2))
                    .append(" | ").append(f(median(id, "crash_detect", null, null, "mean_ms"), 2))
                    .append(" | ").append(f(median(id, "crash_detect", null, null, "min_ms"), 2))
                    .append(" | ").append(f(median(id, "crash_detect", null, null, "max_ms"), 2))
                    .append(" | ").append(ratio(median(id, "crash_detect", null, null, "p50_ms"),
                            median(BASELINE, "crash_detect", null, null, "p50_ms")))
                    .append(" | ").append(f(median(id, "crash_detect", null, null, "runs"), 0)).append(" × ")
                    .append(rounds(id, "crash_detect")).append(" | ")
                    .append(f(median(id, "crash_detect", null, null, "jdk_p50_ms"), 2)).append(" |\n");
        }
        b.append("\n## 5. Memory (RSS from /proc/PID/status VmRSS, after 2 s idle)\n\n");
        b.append("| process | RSS MB | vs Go plugin |\n| --- | ---: | ---: |\n");
        double goRss = median("mem-go-plugin", "idle_plugin", null, null, "rss_mb");
        memRow(b, "idle Go plugin (go-kv-plugin)", "mem-go-plugin", "idle_plugin", goRss);
        memRow(b, "idle Java plugin, protobuf (java-kv-plugin: default JVM options, AppCDS)", "mem-java-plugin",
                "idle_plugin", goRss);
        memRow(b, "idle Java plugin, interface mode (same JVM options)", "mem-java-plugin-iface", "idle_plugin", goRss);
        memRow(b, "idle bare JVM that printed a line and waits (same JVM options, its own AppCDS archive)", BARE_JVM,
                BARE_IDLE, goRss);
        b.append("\n| Java host (HostProbe, default JVM options) | RSS MB | threads | heap used MB (after GC) | heap committed MB |\n");
        b.append("| --- | ---: | ---: | ---: | ---: |\n");
        for (String plugins : new String[] {"1", "50"}) {
            String what = "with " + plugins + " Java plugin" + (plugins.equals("1") ? "" : "s");
            b.append("| ").append(what).append(" | ").append(f(median("scale", "host", "plugins", plugins, "rss_mb"), 1))
                    .append(" | ").append(f(median("scale", "host", "plugins", plugins, "threads"), 0))
                    .append(" | ").append(f(median("scale", "host", "plugins", plugins, "heap_used_mb"), 1))
                    .append(" | ").append(f(median("scale", "host", "plugins", plugins, "heap_committed_mb"), 1)).append(" |\n");
        }
        b.append("\n## 6. Scale: 50 Java plugins on one Java host, started and stopped in parallel\n\n");
        b.append("Each start is `PluginClient.start` (launch, handshake, connect, health check with its default 10 s "
                + "deadline); all started plugins are then closed at once. Run once with every start at once, once with "
                + "a bounded number of starts at a time.\n\n");
        b.append("| plugins | starts at a time | started | failed | start all (s) | stop all (s) | RSS of all started plugins (MB) | cores |\n");
        b.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Row row : rows) {
            if (row.pair().equals("scale") && row.what().equals("scale")) {
                b.append("| ").append(f(row.num("plugins"), 0)).append(" | ").append(f(row.num("parallel"), 0))
                        .append(" | ").append(f(row.num("started"), 0)).append(" | ").append(f(row.num("failed"), 0))
                        .append(" | ").append(f(row.num("start_s"), 2)).append(" | ").append(f(row.num("stop_s"), 2))
                        .append(" | ").append(f(row.num("plugins_rss_mb"), 0)).append(" | ")
                        .append(Runtime.getRuntime().availableProcessors()).append(" |\n");
            }
        }
        List<String> variants = rows.stream().map(Row::pair).filter(p -> p.startsWith("opt-")).distinct().toList();
        if (!variants.isEmpty()) {
            b.append("\n## 7. Java plugin JVM options and class data sharing (`OUTPOST_PLUGIN_JAVA_OPTS`, `OUTPOST_PLUGIN_CDS`), Java host → Java plugin (protobuf)\n\n");
            b.append("| variant | cold start p50 ms | cold start mean ms | idle RSS MB | Get p50 µs (1 caller) | Get mean µs |\n");
            b.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
            for (String v : variants) {
                b.append("| ").append(v.substring(4)).append(" | ").append(f(median(v, "cold_start", null, null, "p50_ms"), 1))
                        .append(" | ").append(f(median(v, "cold_start", null, null, "mean_ms"), 1))
                        .append(" | ").append(f(median(v, "idle_plugin", null, null, "rss_mb"), 1))
                        .append(" | ").append(f(get(v, 1, "p50_us"), 1))
                        .append(" | ").append(f(get(v, 1, "mean_us"), 1)).append(" |\n");
            }
        }
        changes(b, meta);
        MultiplexSection.append(this, b);
        JdkSection.append(this, b, meta);
        GoalsSection.append(this, b);
        return b.toString();
    }

    /** The meta lines {@code PREFIX ID: text} as {@code [ID, text]} ({@code [ID]} without a text), in order. */
    static List<String[]> entries(List<String> meta, String prefix) {
        return meta.stream().filter(line -> line.startsWith(prefix))
                .map(line -> line.substring(prefix.length()).split(": ", 2)).toList();
    }

    /**
     * Section 8: the build of each listed commit measured in this run. The plugin side (cold start, idle RSS,
     * a current Java host's Get) is that commit's plugin under today's launcher; the host side is that
     * commit's Java host calling the Go plugin.
     */
    private void changes(StringBuilder b, List<String> meta) {
        List<String[]> changes = entries(meta, CHANGE);
        if (changes.isEmpty()) {
            return;
        }
        b.append("\n## 8. Changes, measured: the build of each commit, in this run\n\n");
        b.append("Each commit's `interop` and `benchmarks` jars, built from its sources. Its plugins (protobuf: "
                + "`KvPlugin`; interface mode: `KeyValuePlugin`) are launched by today's `interop/java-plugin` (the same "
                + "JVM options and AppCDS for every commit, so only the code differs) and called by today's Java hosts; "
                + "its own Java host calls the Go plugin. Bench hosts before dd67c37 warm up with 2000 calls, later "
                + "ones with 20000. Medians over " + rounds("plugin-this-build", "cold_start") + " rounds.\n\n");
        b.append("| commit | change | cold start p50 ms, protobuf plugin | cold start p50 ms, interface-mode plugin "
                + "| idle protobuf plugin RSS MB | Get p50 µs, Java host → this plugin "
                + "| Get p50 µs, this Java host → Go plugin |\n");
        b.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (String[] change : changes) {
            String id = change[0];
            b.append("| ").append(id).append(" | ").append(change.length > 1 ? change[1] : "")
                    .append(" | ").append(f(median("plugin-" + id, "cold_start", null, null, "p50_ms"), 1))
                    .append(" | ").append(f(median("iface-" + id, "cold_start", null, null, "p50_ms"), 1))
                    .append(" | ").append(f(median("plugin-" + id, "idle_plugin", null, null, "rss_mb"), 1))
                    .append(" | ").append(f(get("plugin-" + id, 1, "p50_us"), 1))
                    .append(" | ").append(f(get("host-" + id, 1, "p50_us"), 1)).append(" |\n");
        }
    }

    private void coldRow(StringBuilder b, String label, String id, String what) {
        b.append("| ").append(label).append(" | ").append(f(median(id, what, null, null, "p50_ms"), 1))
                .append(" | ").append(f(median(id, what, null, null, "mean_ms"), 1))
                .append(" | ").append(f(median(id, what, null, null, "min_ms"), 1))
                .append(" | ").append(f(median(id, what, null, null, "max_ms"), 1))
                .append(" | ").append(ratio(median(id, what, null, null, "p50_ms"),
                        median(BASELINE, "cold_start", null, null, "p50_ms")))
                .append(" | ").append(f(median(id, what, null, null, "runs"), 0)).append(" × ")
                .append(rounds(id, what)).append(" |\n");
    }

    private void memRow(StringBuilder b, String label, String pair, String what, double goRss) {
        double rss = median(pair, what, null, null, "rss_mb");
        b.append("| ").append(label).append(" | ").append(f(rss, 1)).append(" | ").append(ratio(rss, goRss)).append(" |\n");
    }
}
