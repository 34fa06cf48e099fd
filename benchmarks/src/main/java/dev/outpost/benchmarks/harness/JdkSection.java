package dev.outpost.benchmarks.harness;

import static dev.outpost.benchmarks.harness.ResultsReport.BARE_COLD_START;
import static dev.outpost.benchmarks.harness.ResultsReport.BARE_IDLE;
import static dev.outpost.benchmarks.harness.ResultsReport.f;

import dev.outpost.benchmarks.harness.GoalsSection.Figure;
import dev.outpost.benchmarks.harness.GoalsSection.Ratio;
import java.util.List;

/**
 * Section 10 of {@code results.md}: the Java plugin and the bare JVM under each JDK the harness was given,
 * with the class data options that JDK offers (a dynamic AppCDS archive everywhere; JDK 25's AOT cache,
 * JEPs 483 and 514; its compact object headers, JEP 519). Each variant's plugin and bare JVM run with the
 * same JDK and options, round by round, so each ratio says what a plugin costs over that JVM itself.
 * Meta lines {@code jdk VARIANT: description} list the variants; rows are {@code pair=jdk-VARIANT}.
 */
final class JdkSection {

    static final String META = "jdk ";

    private JdkSection() {
    }

    static void append(ResultsReport report, StringBuilder b, List<String> meta) {
        List<String[]> variants = ResultsReport.entries(meta, META);
        if (variants.isEmpty()) {
            return;
        }
        b.append("\n## 10. The Java plugin under each JDK, with its class data options\n\n");
        b.append("Java host → Java plugin (protobuf), launch to first `Get`, and a bare JVM printing \"hi\", each "
                + "variant's two with the same JDK, JVM options and kind of class data (an archive or cache of its "
                + "own, recorded before the rounds); idle RSS after 2 s. Ratios: per round, plugin / bare JVM, then "
                + "the median over the rounds.\n\n");
        b.append("| variant | plugin cold start p50 ms | bare JVM p50 ms | ratio | plugin idle RSS MB | bare JVM RSS MB "
                + "| ratio | rounds |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (String[] variant : variants) {
            String pair = "jdk-" + variant[0];
            Ratio cold = Ratio.of(report, Figure.of(pair, "cold_start", "p50_ms"),
                    Figure.of(pair, BARE_COLD_START, "p50_ms"));
            Ratio rss = Ratio.of(report, Figure.of(pair, "idle_plugin", "rss_mb"), Figure.of(pair, BARE_IDLE, "rss_mb"));
            b.append("| ").append(variant.length > 1 ? variant[1] : variant[0])
                    .append(" | ").append(f(report.median(pair, "cold_start", null, null, "p50_ms"), 1))
                    .append(" | ").append(f(report.median(pair, BARE_COLD_START, null, null, "p50_ms"), 1))
                    .append(" | ").append(cold.measured() ? cold.text() : "–")
                    .append(" | ").append(f(report.median(pair, "idle_plugin", null, null, "rss_mb"), 1))
                    .append(" | ").append(f(report.median(pair, BARE_IDLE, null, null, "rss_mb"), 1))
                    .append(" | ").append(rss.measured() ? rss.text() : "–")
                    .append(" | ").append(Math.min(cold.rounds(), rss.rounds())).append(" |\n");
        }
    }
}
