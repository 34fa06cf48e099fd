package dev.outpost.benchmarks.harness;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
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
import javax.imageio.ImageIO;

/**
 * Turns the harness's raw lines ({@code pair=ID round=R BENCH WHAT key=value...}) into
 * {@code results.md}, {@code results.csv} and {@code latency.png}:
 * {@code ResultsReport RAW_FILE META_FILE OUT_DIR}. Per pair and measurement, the tables show the median
 * over the rounds of each round's figure; the CSV keeps every round.
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

    ResultsReport() {
    }

    void add(Row row) {
        rows.add(row);
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: ResultsReport RAW_FILE META_FILE OUT_DIR");
            System.exit(2);
        }
        ResultsReport report = new ResultsReport();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            report.parse(line).ifPresent(report::add);
        }
        List<String> meta = Files.readAllLines(Path.of(args[1]));
        Path out = Path.of(args[2]);
        Files.createDirectories(out);
        Files.writeString(out.resolve("results.csv"), report.csv());
        Files.writeString(out.resolve("results.md"), report.markdown(meta));
        report.plot(out.resolve("latency.png"));
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
        double[] values = rows.stream()
                .filter(r -> r.pair().equals(pair) && r.what().equals(what))
                .filter(r -> filterKey == null || filterValue.equals(r.values().get(filterKey)))
                .mapToDouble(r -> r.num(key)).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (values.length == 0) {
            return Double.NaN;
        }
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
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
        b.append("| pair | p50 ms | mean ms | min ms | max ms | p50 vs baseline | runs × rounds |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (var pair : PAIRS.entrySet()) {
            String id = pair.getKey();
            b.append("| ").append(pair.getValue()).append(" | ").append(f(median(id, "cold_start", null, null, "p50_ms"), 1))
                    .append(" | ").append(f(median(id, "cold_start", null, null, "mean_ms"), 1))
                    .append(" | ").append(f(median(id, "cold_start", null, null, "min_ms"), 1))
                    .append(" | ").append(f(median(id, "cold_start", null, null, "max_ms"), 1))
                    .append(" | ").append(ratio(median(id, "cold_start", null, null, "p50_ms"),
                            median(BASELINE, "cold_start", null, null, "p50_ms")))
                    .append(" | ").append(f(median(id, "cold_start", null, null, "runs"), 0)).append(" × ")
                    .append(rounds(id, "cold_start")).append(" |\n");
        }
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
        memRow(b, "idle Go plugin (go-kv-plugin)", "mem-go-plugin", goRss);
        memRow(b, "idle Java plugin, protobuf (java-kv-plugin: default JVM options, AppCDS)", "mem-java-plugin", goRss);
        memRow(b, "idle Java plugin, interface mode (same JVM options)", "mem-java-plugin-iface", goRss);
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
        b.append("\n## Targets\n\n| target | measured | met |\n| --- | --- | --- |\n");
        double jg = get("java-go", 1, "p50_us");
        double gg = get(BASELINE, 1, "p50_us");
        double jgMean = get("java-go", 1, "mean_us");
        double ggMean = get(BASELINE, 1, "mean_us");
        target(b, "Java host → Go plugin round trip within 1.2x of Go host → Go plugin (p50)",
                ratio(jg, gg) + " (p50 " + f(jg, 1) + " vs " + f(gg, 1) + " µs; mean " + ratio(jgMean, ggMean) + ")",
                jg / gg <= 1.2);
        double cold = median("java-java", "cold_start", null, null, "p50_ms");
        target(b, "Java plugin cold start under 300 ms (Java host, p50)", f(cold, 1) + " ms", cold < 300);
        double rss = median("mem-java-plugin", "idle_plugin", null, null, "rss_mb");
        target(b, "idle Java plugin under 60 MB RSS", f(rss, 1) + " MB", rss < 60);
        double crash = Math.max(median("java-java", "crash_detect", null, null, "p50_ms"),
                median("java-go", "crash_detect", null, null, "p50_ms"));
        target(b, "crash detection under 50 ms (Java host, worst p50 of Go and Java plugin)", f(crash, 2) + " ms", crash < 50);
        StringBuilder scale = new StringBuilder();
        boolean scaleMet = false;
        for (Row row : rows) {
            if (row.pair().equals("scale") && row.what().equals("scale")) {
                boolean all = row.num("failed") == 0;
                scale.append(scale.length() > 0 ? "; " : "").append(f(row.num("parallel"), 0)).append(" at a time: ")
                        .append(all ? f(row.num("start_s"), 2) + " s" : f(row.num("failed"), 0) + " of "
                                + f(row.num("plugins"), 0) + " failed to start (" + f(row.num("start_s"), 2) + " s)");
                scaleMet |= all && row.num("start_s") < 10;
            }
        }
        target(b, "50 plugins start in under 10 s on " + Runtime.getRuntime().availableProcessors() + " cores",
                scale.length() == 0 ? "–" : scale.toString(), scaleMet);
        if (rounds(MultiplexSection.BASELINE, "get") > 0) {
            MultiplexSection.target(this, b);
        }
        return b.toString();
    }

    /**
     * Section 8: the build of each listed commit measured in this run. The plugin side (cold start, idle RSS,
     * a current Java host's Get) is that commit's plugin under today's launcher; the host side is that
     * commit's Java host calling the Go plugin.
     */
    private void changes(StringBuilder b, List<String> meta) {
        List<String[]> changes = meta.stream().filter(line -> line.startsWith(CHANGE))
                .map(line -> line.substring(CHANGE.length()).split(": ", 2)).toList();
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

    private void memRow(StringBuilder b, String label, String pair, double goRss) {
        double rss = median(pair, "idle_plugin", null, null, "rss_mb");
        b.append("| ").append(label).append(" | ").append(f(rss, 1)).append(" | ").append(ratio(rss, goRss)).append(" |\n");
    }

    static void target(StringBuilder b, String target, String measured, boolean met) {
        b.append("| ").append(target).append(" | ").append(measured).append(" | ")
                .append(measured.startsWith("–") ? "not measured" : met ? "yes" : "**no**").append(" |\n");
    }

    /** Two panels (1 caller, 16 callers), per pair bars for p50, mean and p99 in µs. */
    void plot(Path file) throws IOException {
        int width = 1400;
        int height = 640;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString("Get round trip latency per pair (µs, median over rounds) — Outpost vs go-plugin", 20, 30);
        String[] keys = {"p50_us", "mean_us", "p99_us"};
        Color[] colors = {new Color(0x4C72B0), new Color(0x55A868), new Color(0xC44E52)};
        int[] callers = {1, 16};
        int panelWidth = (width - 60) / 2;
        for (int p = 0; p < callers.length; p++) {
            int x0 = 30 + p * (panelWidth + 20);
            int top = 80;
            int bottom = height - 150;
            double max = 0;
            for (String id : PAIRS.keySet()) {
                for (String k : keys) {
                    double v = get(id, callers[p], k);
                    if (!Double.isNaN(v)) {
                        max = Math.max(max, v);
                    }
                }
            }
            max = max <= 0 ? 1 : niceCeiling(max);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            g.setColor(Color.BLACK);
            g.drawString(callers[p] + (callers[p] == 1 ? " caller" : " concurrent callers"), x0 + 50, top - 20);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            int axisX = x0 + 50;
            for (int t = 0; t <= 5; t++) {
                int y = bottom - (int) ((bottom - top) * t / 5.0);
                g.setColor(new Color(0xDDDDDD));
                g.drawLine(axisX, y, x0 + panelWidth, y);
                g.setColor(Color.DARK_GRAY);
                g.drawString(f(max * t / 5, 0), x0, y + 4);
            }
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(1.2f));
            g.drawLine(axisX, top, axisX, bottom);
            g.drawLine(axisX, bottom, x0 + panelWidth, bottom);
            int groups = PAIRS.size();
            int groupWidth = (x0 + panelWidth - axisX) / groups;
            int barWidth = (groupWidth - 20) / keys.length;
            int gi = 0;
            for (var pair : PAIRS.entrySet()) {
                int gx = axisX + gi * groupWidth + 10;
                for (int k = 0; k < keys.length; k++) {
                    double v = get(pair.getKey(), callers[p], keys[k]);
                    if (Double.isNaN(v)) {
                        continue;
                    }
                    int h = (int) ((bottom - top) * v / max);
                    g.setColor(colors[k]);
                    g.fillRect(gx + k * barWidth, bottom - h, barWidth - 2, h);
                    g.setColor(Color.BLACK);
                    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
                    g.drawString(f(v, 0), gx + k * barWidth, bottom - h - 3);
                }
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
                drawWrapped(g, pair.getValue(), gx, bottom + 16, groupWidth - 8);
                gi++;
            }
        }
        int lx = 40;
        for (int k = 0; k < keys.length; k++) {
            g.setColor(colors[k]);
            g.fillRect(lx, height - 40, 14, 14);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            g.drawString(keys[k].replace("_us", ""), lx + 20, height - 28);
            lx += 100;
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static double niceCeiling(double v) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static void drawWrapped(Graphics2D g, String text, int x, int y, int width) {
        StringBuilder line = new StringBuilder();
        int dy = 0;
        for (String word : Arrays.asList(text.split(" "))) {
            String next = line.length() == 0 ? word : line + " " + word;
            if (g.getFontMetrics().stringWidth(next) > width && line.length() > 0) {
                g.drawString(line.toString(), x, y + dy);
                dy += 14;
                line = new StringBuilder(word);
            } else {
                line = new StringBuilder(next);
            }
        }
        g.drawString(line.toString(), x, y + dy);
    }
}
