package dev.outpost.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The report's figures are medians over rounds, and its verdicts on the targets follow from them. */
class ResultsReportTest {

    private static ResultsReport report(String... raw) {
        ResultsReport report = new ResultsReport();
        for (String line : raw) {
            report.parse(line).ifPresent(report::add);
        }
        return report;
    }

    private static String row(String markdown, String start) {
        return markdown.lines().filter(line -> line.startsWith(start)).findFirst().orElseThrow();
    }

    @Test
    void figuresAreTheMedianOfTheRoundsFigures() {
        ResultsReport report = report(
                "pair=go-go round=1 BENCH get callers=1 calls=10 p50_us=200 p99_us=400 mean_us=210 calls_per_s=5000",
                "pair=go-go round=2 BENCH get callers=1 calls=10 p50_us=300 p99_us=500 mean_us=310 calls_per_s=3000",
                "pair=go-go round=3 BENCH get callers=1 calls=10 p50_us=900 p99_us=990 mean_us=910 calls_per_s=1000",
                "not a bench line");

        assertThat(report.get("go-go", 1, "p50_us")).isEqualTo(300);
        assertThat(report.rounds("go-go", "get")).isEqualTo(3);
    }

    @Test
    void targetsAreMetOrMissedByTheMeasuredFigures() {
        String markdown = report(
                "pair=go-go round=1 BENCH get callers=1 calls=10 p50_us=200 mean_us=200",
                "pair=java-go round=1 BENCH get callers=1 calls=10 p50_us=250 mean_us=250",
                "pair=java-java round=1 BENCH cold_start runs=10 p50_ms=310 mean_ms=320",
                "pair=java-java round=1 BENCH crash_detect runs=5 p50_ms=12",
                "pair=java-go round=1 BENCH crash_detect runs=5 p50_ms=7",
                "pair=mem-java-plugin round=1 BENCH idle_plugin rss_mb=57.1",
                "pair=scale round=1 BENCH scale plugins=50 parallel=50 started=48 failed=2 start_s=12.5 stop_s=1",
                "pair=scale round=1 BENCH scale plugins=50 parallel=4 started=50 failed=0 start_s=8.4 stop_s=1")
                .markdown(List.of("machine: test"));

        assertThat(row(markdown, "| Java host → Go plugin round trip")).contains("1.25x").endsWith("| **no** |");
        assertThat(row(markdown, "| Java plugin cold start under")).contains("310.0 ms").endsWith("| **no** |");
        assertThat(row(markdown, "| idle Java plugin under 60 MB")).contains("57.1 MB").endsWith("| yes |");
        assertThat(row(markdown, "| crash detection under")).contains("12.00 ms").endsWith("| yes |");
        assertThat(row(markdown, "| 50 plugins start"))
                .contains("50 at a time: 2 of 50 failed to start (12.50 s)", "4 at a time: 8.40 s").endsWith("| yes |");
    }

    @Test
    void sectionEightHasARowPerChangeInTheOrderListed() {
        String markdown = report(
                "pair=plugin-abc1234 round=1 BENCH cold_start runs=10 p50_ms=280",
                "pair=plugin-abc1234 round=2 BENCH cold_start runs=10 p50_ms=300",
                "pair=plugin-abc1234 round=1 BENCH idle_plugin rss_mb=64",
                "pair=iface-abc1234 round=1 BENCH cold_start runs=10 p50_ms=310",
                "pair=host-abc1234 round=1 BENCH get callers=1 calls=10 p50_us=370",
                "pair=plugin-this-build round=1 BENCH cold_start runs=10 p50_ms=220")
                .markdown(List.of("machine: test", "change abc1234: before: the first run",
                        "change this-build: the sources measured in sections 1-7"));

        assertThat(markdown).contains("## 8. Changes, measured");
        assertThat(markdown).doesNotContain("- change abc1234");
        assertThat(row(markdown, "| abc1234 |"))
                .isEqualTo("| abc1234 | before: the first run | 290.0 | 310.0 | 64.0 | – | 370.0 |");
        assertThat(markdown.indexOf("| abc1234 |")).isLessThan(markdown.indexOf("| this-build |"));
        assertThat(row(markdown, "| this-build |")).startsWith("| this-build | the sources measured in sections 1-7 | 220.0 |");
    }

    @Test
    void noSectionEightWithoutChanges() {
        assertThat(report().markdown(List.of("machine: test"))).doesNotContain("## 8.");
    }

    @Test
    void sectionNineComparesEachPairsMultiplexingCostWithGoPluginsOwn() {
        String markdown = report(
                "pair=go18-go18 round=1 BENCH get callers=1 calls=10 p50_us=200 calls_per_s=5000",
                "pair=go18-go18-mux round=1 BENCH get callers=1 calls=10 p50_us=290 calls_per_s=3400",
                "pair=java-go18 round=1 BENCH get callers=1 calls=10 p50_us=250 calls_per_s=4000",
                "pair=java-go18-mux round=1 BENCH get callers=1 calls=10 p50_us=300 calls_per_s=3300",
                "pair=go18-java round=1 BENCH get callers=1 calls=10 p50_us=400 calls_per_s=2500",
                "pair=go18-java-mux round=1 BENCH get callers=1 calls=10 p50_us=620 calls_per_s=1600",
                "pair=go18-java round=1 BENCH get callers=4 calls=10 p50_us=600 calls_per_s=6000",
                "pair=go18-java-mux round=1 BENCH get callers=4 calls=10 p50_us=700 calls_per_s=5400",
                "pair=go18-java round=1 BENCH get callers=16 calls=10 p50_us=900 calls_per_s=9000",
                "pair=go18-java-mux round=1 BENCH get callers=16 calls=10 p50_us=990 calls_per_s=8100",
                "pair=go18-go18 round=1 BENCH get callers=4 calls=10 p50_us=300 calls_per_s=12000",
                "pair=go18-go18-mux round=1 BENCH get callers=4 calls=10 p50_us=350 calls_per_s=10800")
                .markdown(List.of("machine: test"));

        assertThat(markdown).contains("## 9. Broker multiplexing");
        assertThat(row(markdown, "| v1.8.0 Go host → Java plugin |"))
                .isEqualTo("| v1.8.0 Go host → Java plugin | 400.0 | 620.0 | 1.55x | 2,500 / 6,000 / 9,000 "
                        + "| 1,600 / 5,400 / 8,100 | 0.64x / 0.90x / 0.90x |");
        // Against go-plugin v1.8.0's own pair in the same mode, at 1 / 4 / 16 callers (no 16-caller run of it here).
        assertThat(markdown.lines().filter(line -> line.startsWith("| v1.8.0 Go host → Java plugin |")).toList())
                .last().isEqualTo("| v1.8.0 Go host → Java plugin | 0.50x / 0.50x / – | 0.47x / 0.50x / – |");
        // go-plugin's own costs 1.45x; the Java host's 1.20x is within it, the Java plugin's 1.55x is not.
        assertThat(row(markdown, "| broker multiplexing costs"))
                .contains("go-plugin's own 1.45x", "Java host → v1.8.0 Go plugin 1.20x", "v1.8.0 Go host → Java plugin 1.55x")
                .endsWith("| **no** |");
    }

    @Test
    void noSectionNineWithoutTheV18Peers() {
        assertThat(report("pair=go-go round=1 BENCH get callers=1 calls=10 p50_us=200").markdown(List.of("machine: test")))
                .doesNotContain("## 9.").doesNotContain("broker multiplexing costs");
    }

    @Test
    void sectionTenRatiosAreTakenRoundByRoundAgainstTheBareJvmOfTheSameVariant() {
        String markdown = report(
                "pair=jdk-25-aot round=1 BENCH cold_start runs=10 p50_ms=200",
                "pair=jdk-25-aot round=1 BENCH bare_cold_start runs=10 p50_ms=40",
                "pair=jdk-25-aot round=2 BENCH cold_start runs=10 p50_ms=300",
                "pair=jdk-25-aot round=2 BENCH bare_cold_start runs=10 p50_ms=100",
                "pair=jdk-25-aot round=3 BENCH cold_start runs=10 p50_ms=260",
                "pair=jdk-25-aot round=3 BENCH bare_cold_start runs=10 p50_ms=50",
                "pair=jdk-25-aot round=1 BENCH idle_plugin rss_mb=60",
                "pair=jdk-25-aot round=1 BENCH bare_idle rss_mb=40",
                "pair=jdk-17 round=1 BENCH cold_start runs=10 p50_ms=150")
                .markdown(List.of("machine: test", "jdk 25-aot: JDK 25, AOT cache", "jdk 17: JDK 17, AppCDS"));

        // Per round 5.00x, 3.00x and 5.20x: the ratio is their median, 5.00x, not 260 / 50 of the figures' medians.
        assertThat(row(markdown, "| JDK 25, AOT cache |"))
                .isEqualTo("| JDK 25, AOT cache | 260.0 | 50.0 | 5.00x | 60.0 | 40.0 | 1.50x | 1 |");
        assertThat(row(markdown, "| JDK 17, AppCDS |")).isEqualTo("| JDK 17, AppCDS | 150.0 | – | – | – | – | – | 0 |");
    }
}
