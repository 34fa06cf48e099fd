package dev.outpost.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The goals are medians over the rounds of each round's ratio, and their verdicts follow from them. */
class GoalsSectionTest {

    @TempDir
    Path dir;

    private static String markdown(Path jmh, List<String> raw) {
        ResultsReport report = new ResultsReport(jmh);
        raw.forEach(line -> report.parse(line).ifPresent(report::add));
        return report.markdown(List.of("machine: test"));
    }

    private static String row(String markdown, String start) {
        return markdown.lines().filter(line -> line.startsWith(start)).findFirst().orElseThrow();
    }

    /** A {@code BENCH get} line of {@code pair} in {@code round}. */
    private static String get(String pair, int round, int callers, double callsPerSecond, double p50) {
        return "pair=" + pair + " round=" + round + " BENCH get callers=" + callers + " calls=10 p50_us=" + p50
                + " calls_per_s=" + callsPerSecond;
    }

    /**
     * Three rounds in which the baseline's figures drift (1000, 2000, 3000 calls/s) and {@code pair}'s
     * ratio to them is {@code ratios[round]} at every caller count.
     */
    private static List<String> drifting(String pair, double... ratios) {
        List<String> raw = new ArrayList<>();
        for (int round = 1; round <= ratios.length; round++) {
            for (int callers : new int[] {1, 4, 16}) {
                double base = 1000.0 * round * callers;
                raw.add(get("go-go", round, callers, base, 100));
                raw.add(get(pair, round, callers, base * ratios[round - 1], 100));
            }
        }
        return raw;
    }

    @Test
    void aGoalIsTheMedianOfEachRoundsRatioNotTheRatioOfTheMedians() {
        // Per round 1.10x, 0.95x, 1.10x: the median is 1.10x, met; the ratio of the medians, 1900 / 2000 calls/s,
        // would be 0.95x, missed.
        List<String> raw = drifting("java-go", 1.10, 0.95, 1.10);
        assertThat(row(markdown(null, raw), "| Java host → Go plugin, calls/s at 1 / 4 / 16 callers"))
                .isEqualTo("| Java host → Go plugin, calls/s at 1 / 4 / 16 callers, vs Go host → Go plugin "
                        + "| 1.10x / 1.10x / 1.10x | ≥ 1.0x at every count | 3 | met |");
    }

    @Test
    void aThroughputGoalIsMissedWhenOneCallerCountMissesIt() {
        List<String> raw = drifting("go-java", 0.95, 0.92, 0.97);
        // At 16 callers, the Java plugin falls to 0.5x in every round.
        raw.replaceAll(line -> line.startsWith("pair=go-java") && line.contains("callers=16")
                ? line.replaceAll("calls_per_s=\\S+", "calls_per_s=" + 0.5 * 16000 * roundOf(line)) : line);
        assertThat(row(markdown(null, raw), "| Go host → Java plugin, calls/s"))
                .contains("| 0.95x / 0.95x / 0.50x | ≥ 0.9x at every count | 3 | **missed** |");
    }

    private static int roundOf(String line) {
        return Integer.parseInt(line.replaceAll(".*round=(\\d+).*", "$1"));
    }

    @Test
    void latencyAndInterfaceModeGoalsCompareWithTheGoBaseline() {
        List<String> raw = new ArrayList<>();
        for (int round = 1; round <= 3; round++) {
            raw.add(get("go-go", round, 1, 8000, 100 + round));
            raw.add(get("go-java", round, 1, 4000, (100 + round) * 1.15));
            raw.add(get("go-go", round, 16, 30000, 400));
            raw.add(get("java-java-iface", round, 16, 30000 * 0.5, 900));
        }
        String markdown = markdown(null, raw);
        assertThat(row(markdown, "| Go host → Java plugin, `Get` p50"))
                .contains("| 1.15x (117.3 vs 102.0 µs) | ≤ 1.2x | 3 | met |");
        assertThat(row(markdown, "| Java host → Java plugin, interface mode, calls/s at 16 callers"))
                .contains("| 0.50x | ≥ 0.9x | 3 | **missed** |");
    }

    @Test
    void theBareJvmRowsAreRatiosToTheBareJvmOfTheSameRounds() {
        List<String> raw = new ArrayList<>();
        double[] bareCold = {30, 60, 31};
        double[] pluginCold = {59, 100, 66};
        for (int round = 1; round <= 3; round++) {
            raw.add("pair=bare-jvm round=" + round + " BENCH bare_cold_start runs=10 p50_ms=" + bareCold[round - 1]
                    + " mean_ms=40 min_ms=20 max_ms=70");
            raw.add("pair=bare-jvm round=" + round + " BENCH bare_idle rss_mb=" + (34 + round));
            raw.add("pair=java-java round=" + round + " BENCH cold_start runs=10 p50_ms=" + pluginCold[round - 1]);
            raw.add("pair=mem-java-plugin round=" + round + " BENCH idle_plugin rss_mb=" + (34 + round) * 1.2);
            raw.add("pair=mem-java-plugin-iface round=" + round + " BENCH idle_plugin rss_mb=" + (34 + round) * 1.2 * 1.1);
        }
        String markdown = markdown(null, raw);
        // Cold start per round: 1.97x, 1.67x, 2.13x.
        assertThat(row(markdown, "| Java plugin cold start (Java host"))
                .contains("| 1.97x (66.0 vs 31.0 ms) | ≤ 2x | 3 | met |");
        assertThat(row(markdown, "| idle Java plugin RSS (protobuf) vs an idle bare JVM"))
                .contains("| 1.20x (43.2 vs 36.0 MB) | ≤ 1.25x | 3 | met |");
        assertThat(row(markdown, "| idle plain-interface plugin RSS vs idle protobuf plugin"))
                .contains("| 1.10x (47.5 vs 43.2 MB) | ≤ 1.05x | 3 | **missed** |");
        // The bare JVM also has its rows in sections 3 and 5.
        assertThat(row(markdown, "| bare JVM printing \"hi\"")).contains("| 31.0 | 40.0 | 20.0 | 70.0 |", "| 10 × 3 |");
        assertThat(row(markdown, "| idle bare JVM")).contains("| 36.0 |");
    }

    @Test
    void fewerRoundsThanThreeAreSaidSoAndMissingFiguresAreNotMeasured() {
        String markdown = markdown(null, List.of(
                "pair=bare-jvm round=1 BENCH bare_cold_start runs=2 p50_ms=30",
                "pair=java-java round=1 BENCH cold_start runs=2 p50_ms=45"));
        assertThat(row(markdown, "| Java plugin cold start (Java host")).endsWith("| 1 | met (1 round, fewer than 3) |");
        assertThat(row(markdown, "| idle Java plugin RSS (protobuf)")).endsWith("| – | ≤ 1.25x | – | not measured in this run |");
        // A round where only one side was measured does not count.
        assertThat(row(markdown(null, List.of(get("go-go", 1, 1, 8000, 100), get("go-java", 2, 1, 4000, 200))),
                "| Go host → Java plugin, `Get` p50")).endsWith("| – | not measured in this run |");
        // The targets are still there, after the goals.
        assertThat(markdown.indexOf("## Goals")).isPositive().isLessThan(markdown.indexOf("## Targets"));
    }

    /** A JMH JSON result of {@code CallBenchmark}'s methods in avgt mode: {@code [method, score]...}. */
    private static String jmh(Object... methodAndScore) {
        List<String> results = new ArrayList<>();
        for (int i = 0; i < methodAndScore.length; i += 2) {
            results.add("{\"benchmark\": \"dev.outpost.benchmarks.CallBenchmark." + methodAndScore[i]
                    + "\", \"mode\": \"avgt\", \"primaryMetric\": {\"score\": " + methodAndScore[i + 1]
                    + ", \"scoreError\": 5.0, \"scoreUnit\": \"us/op\"}}");
        }
        return "[" + String.join(",\n", results) + "]";
    }

    @Test
    void theJmhGoalQuotesOneResultFileAsOneRound() throws IOException {
        Path jmh = dir.resolve("call-benchmark.json");
        Files.writeString(jmh, jmh("getInterface", 242.0, "getProtobuf", 200.0));
        assertThat(row(markdown(jmh, List.of()), "| interface mode vs the same call as a protobuf service"))
                .contains("| 1.21x (avgt, 242.0 vs 200.0 us/op; `call-benchmark.json` of ", ", not this run) | ≤ 1.1x | 1 "
                        + "| **missed** (1 round, fewer than 3) |");
        assertThat(row(markdown(null, List.of()), "| interface mode vs the same call"))
                .endsWith("| – | ≤ 1.1x | – | not measured in this run |");
        Files.writeString(jmh, "{ not json");
        assertThat(row(markdown(jmh, List.of()), "| interface mode vs the same call"))
                .contains("– (`call-benchmark.json` is not readable as JMH JSON results: ")
                .endsWith("| not measured in this run |");
    }

    @Test
    void theJmhGoalIsTheMedianOfTheRoundsRatios() throws IOException {
        Path rounds = Files.createDirectory(dir.resolve("call-rounds"));
        // Round 2 ran on a busier machine: both of its figures doubled, its ratio did not move.
        Files.writeString(rounds.resolve("round-1-interface.json"), jmh("getInterface", 105.0));
        Files.writeString(rounds.resolve("round-1-protobuf.json"), jmh("getProtobuf", 100.0));
        Files.writeString(rounds.resolve("round-2-protobuf.json"), jmh("getProtobuf", 200.0));
        Files.writeString(rounds.resolve("round-2-interface.json"), jmh("getInterface", 230.0));
        Files.writeString(rounds.resolve("round-3-interface.json"), jmh("getInterface", 100.0, "getProtobuf", 100.0));
        Files.writeString(rounds.resolve("machine.txt"), "date: 2026-12-02 12:35:10 UTC\n");
        // Per round 1.05, 1.15, 1.00: the median is 1.05 (met); the mean of the scores would give 1.10.
        assertThat(row(markdown(rounds, List.of()), "| interface mode vs the same call"))
                .endsWith("| 1.05x (avgt, 105.0 vs 100.0 us/op, medians; per round 1.05 / 1.15 / 1.00; `call-rounds` "
                        + "of 2026-12-02, not this run) | ≤ 1.1x | 3 | met |");
        // A round without one of the two is not a round of this figure.
        Files.delete(rounds.resolve("round-2-interface.json"));
        assertThat(row(markdown(rounds, List.of()), "| interface mode vs the same call"))
                .contains("not every round has CallBenchmark.getInterface and getProtobuf")
                .endsWith("| not measured in this run |");
    }
}
