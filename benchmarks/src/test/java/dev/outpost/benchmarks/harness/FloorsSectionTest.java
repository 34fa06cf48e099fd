package dev.outpost.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The floors are ratios of this run's rounds: grpc-java alone to the goal's reference, Outpost to grpc-java alone. */
class FloorsSectionTest {

    private static String markdown(List<String> raw) {
        ResultsReport report = new ResultsReport(null);
        raw.forEach(line -> report.parse(line).ifPresent(report::add));
        return report.markdown(List.of("machine: test"));
    }

    private static String row(String markdown, String start) {
        return markdown.lines().filter(line -> line.startsWith(start)).findFirst().orElseThrow();
    }

    private static String get(String pair, int round, int callers, double callsPerSecond) {
        return "pair=" + pair + " round=" + round + " BENCH get callers=" + callers + " calls=10 p50_us=100"
                + " calls_per_s=" + callsPerSecond;
    }

    @Test
    void eachRowComparesTheFloorWithTheReferenceAndOutpostWithTheFloor() {
        List<String> raw = new ArrayList<>();
        for (int round = 1; round <= 3; round++) {
            // The machine drifts from round to round; the ratios within a round do not.
            double drift = round;
            for (int callers : new int[] {1, 4, 16}) {
                raw.add(get("go-go", round, callers, 1000 * drift * callers));
                raw.add(get("floor-go", round, callers, 900 * drift * callers));
                raw.add(get("java-go", round, callers, (callers == 16 ? 855 : 900) * drift * callers));
            }
            raw.add("pair=bare-jvm round=" + round + " BENCH bare_cold_start runs=10 p50_ms=" + 50 * drift);
            raw.add("pair=java-floor round=" + round + " BENCH cold_start runs=10 p50_ms=" + 250 * drift);
            raw.add("pair=java-java round=" + round + " BENCH cold_start runs=10 p50_ms=" + 240 * drift);
            raw.add("pair=bare-jvm round=" + round + " BENCH bare_idle rss_mb=" + 35 * drift);
            raw.add("pair=mem-floor-plugin round=" + round + " BENCH idle_plugin rss_mb=" + 56 * drift);
            raw.add("pair=mem-java-plugin round=" + round + " BENCH idle_plugin rss_mb=" + 58.8 * drift);
        }
        String markdown = markdown(raw);
        assertThat(markdown).contains("### The goals' floors: grpc-java without Outpost, same rounds");
        assertThat(row(markdown, "| Java host → Go plugin, calls/s at 1 / 4 / 16 callers (reference"))
                .endsWith("| 0.90x / 0.90x / 0.90x | 1.00x / 1.00x / 0.95x | 3 |");
        assertThat(row(markdown, "| Java plugin cold start, Java host")).endsWith("| 5.00x | 0.96x | 3 |");
        assertThat(row(markdown, "| idle Java plugin RSS (reference")).endsWith("| 1.60x | 1.05x | 3 |");
        // After the goals' table, before the targets.
        assertThat(markdown.indexOf("### The goals' floors")).isGreaterThan(markdown.indexOf("## Goals"))
                .isLessThan(markdown.indexOf("## Targets"));
    }

    @Test
    void aRunWithoutFloorsHasNoSectionAndAMissingFigureIsADash() {
        assertThat(markdown(List.of(get("go-go", 1, 1, 1000)))).doesNotContain("floors");
        String markdown = markdown(List.of(
                "pair=bare-jvm round=1 BENCH bare_idle rss_mb=35",
                "pair=mem-floor-plugin round=1 BENCH idle_plugin rss_mb=56"));
        assertThat(row(markdown, "| idle Java plugin RSS (reference")).endsWith("| 1.60x | – | 1 |");
        assertThat(row(markdown, "| Java host → Go plugin, calls/s at 1 / 4 / 16 callers (reference")).endsWith("| – / – / – | – / – / – | – |");
    }
}
