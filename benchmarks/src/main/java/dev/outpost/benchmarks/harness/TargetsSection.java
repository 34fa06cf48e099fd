package dev.outpost.benchmarks.harness;

import static dev.outpost.benchmarks.harness.ResultsReport.BASELINE;
import static dev.outpost.benchmarks.harness.ResultsReport.f;
import static dev.outpost.benchmarks.harness.ResultsReport.ratio;

import dev.outpost.benchmarks.harness.ResultsReport.Row;

/** The last section of {@code results.md}: the targets set before the goals, absolute figures, with "yes" or "no". */
final class TargetsSection {

    private TargetsSection() {
    }

    static void append(ResultsReport report, StringBuilder b) {
        b.append("\n## Targets\n\n| target | measured | met |\n| --- | --- | --- |\n");
        double jg = report.get("java-go", 1, "p50_us");
        double gg = report.get(BASELINE, 1, "p50_us");
        double jgMean = report.get("java-go", 1, "mean_us");
        double ggMean = report.get(BASELINE, 1, "mean_us");
        target(b, "Java host → Go plugin round trip within 1.2x of Go host → Go plugin (p50)",
                ratio(jg, gg) + " (p50 " + f(jg, 1) + " vs " + f(gg, 1) + " µs; mean " + ratio(jgMean, ggMean) + ")",
                jg / gg <= 1.2);
        double cold = report.median("java-java", "cold_start", null, null, "p50_ms");
        target(b, "Java plugin cold start under 300 ms (Java host, p50)", f(cold, 1) + " ms", cold < 300);
        double rss = report.median("mem-java-plugin", "idle_plugin", null, null, "rss_mb");
        target(b, "idle Java plugin under 60 MB RSS", f(rss, 1) + " MB", rss < 60);
        double crash = Math.max(report.median("java-java", "crash_detect", null, null, "p50_ms"),
                report.median("java-go", "crash_detect", null, null, "p50_ms"));
        target(b, "crash detection under 50 ms (Java host, worst p50 of Go and Java plugin)", f(crash, 2) + " ms", crash < 50);
        StringBuilder scale = new StringBuilder();
        boolean scaleMet = false;
        for (Row row : report.rows("scale", "scale")) {
            boolean all = row.num("failed") == 0;
            scale.append(scale.length() > 0 ? "; " : "").append(f(row.num("parallel"), 0)).append(" at a time: ")
                    .append(all ? f(row.num("start_s"), 2) + " s" : f(row.num("failed"), 0) + " of "
                            + f(row.num("plugins"), 0) + " failed to start (" + f(row.num("start_s"), 2) + " s)");
            scaleMet |= all && row.num("start_s") < 10;
        }
        target(b, "50 plugins start in under 10 s on " + Runtime.getRuntime().availableProcessors() + " cores",
                scale.length() == 0 ? "–" : scale.toString(), scaleMet);
        if (report.rounds(MultiplexSection.BASELINE, "get") > 0) {
            MultiplexSection.target(report, b);
        }
    }

    static void target(StringBuilder b, String target, String measured, boolean met) {
        b.append("| ").append(target).append(" | ").append(measured).append(" | ")
                .append(measured.startsWith("–") ? "not measured" : met ? "yes" : "**no**").append(" |\n");
    }
}
