package dev.outpost.benchmarks.harness;

import static dev.outpost.benchmarks.harness.ResultsReport.BARE_COLD_START;
import static dev.outpost.benchmarks.harness.ResultsReport.BARE_IDLE;
import static dev.outpost.benchmarks.harness.ResultsReport.BARE_JVM;
import static dev.outpost.benchmarks.harness.ResultsReport.BASELINE;
import static dev.outpost.benchmarks.harness.ResultsReport.f;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The last sections of {@code results.md}: the performance goals, each a ratio of two figures of this run
 * with "met" or "missed", then the earlier targets (absolute figures) with "yes" or "no".
 *
 * <p>A goal's ratio is taken round by round (both figures of a round were measured minutes apart, the pairs
 * alternating), and its median over the rounds is compared with the goal: a slow round on a busy machine
 * moves both figures of its ratio.
 */
final class GoalsSection {

    /** Fewer rounds than this and a verdict says so: the goals are medians of at least three. */
    static final int MIN_ROUNDS = 3;

    /** A figure of each round: {@code key} of the rows of {@code pair}/{@code what} matching {@code filter}. */
    record Figure(String pair, String what, String filterKey, String filterValue, String key) {
        static Figure callsPerSecond(String pair, int callers) {
            return new Figure(pair, "get", "callers", Integer.toString(callers), "calls_per_s");
        }

        static Figure of(String pair, String what, String key) {
            return new Figure(pair, what, null, null, key);
        }

        Map<Integer, Double> byRound(ResultsReport report) {
            return report.byRound(pair, what, filterKey, filterValue, key);
        }
    }

    /**
     * The median over the rounds of {@code numerator / denominator} of each round where both were measured,
     * with the medians of the two figures over those rounds.
     */
    record Ratio(double median, int rounds, double numerator, double denominator) {
        static Ratio of(ResultsReport report, Figure numerator, Figure denominator) {
            Map<Integer, Double> top = numerator.byRound(report);
            Map<Integer, Double> bottom = denominator.byRound(report);
            List<double[]> both = new ArrayList<>();
            top.forEach((round, value) -> {
                Double base = bottom.get(round);
                if (base != null && base != 0) {
                    both.add(new double[] {value, base});
                }
            });
            return new Ratio(ResultsReport.median(both.stream().mapToDouble(p -> p[0] / p[1]).toArray()), both.size(),
                    ResultsReport.median(both.stream().mapToDouble(p -> p[0]).toArray()),
                    ResultsReport.median(both.stream().mapToDouble(p -> p[1]).toArray()));
        }

        boolean measured() {
            return rounds > 0;
        }

        String text() {
            return f(median, 2) + "x";
        }
    }

    private static final int[] CALLERS = {1, 4, 16};

    private GoalsSection() {
    }

    static void append(ResultsReport report, StringBuilder b) {
        b.append("\n## Goals\n\n");
        b.append("Each a ratio of two figures of this run: per round, the ratio of the round's two figures (the pairs "
                + "alternate round by round), then its median over the rounds. A goal asks for the median of at least "
                + MIN_ROUNDS + " rounds; the Go host → Go plugin baseline is go-plugin v1.0.1's. The Java plugin's cold "
                + "start is a Java host's, launch to first `Get` (section 3); the bare JVM is the one of sections 3 and "
                + "5. The JMH ratio is not measured by this harness: it is the median of the rounds of `benchmarks/jmh-rounds.sh` "
                + "(or of a JMH result file, one round), when there are any.\n\n");
        b.append("| figure | measured | goal | rounds | verdict |\n| --- | --- | --- | ---: | --- |\n");
        perCallerCount(report, b, "Java host → Go plugin, calls/s at 1 / 4 / 16 callers, vs Go host → Go plugin",
                "java-go", 1.0);
        perCallerCount(report, b, "Go host → Java plugin, calls/s at 1 / 4 / 16 callers, vs Go host → Go plugin",
                "go-java", 0.9);
        Ratio p50 = Ratio.of(report, new Figure("go-java", "get", "callers", "1", "p50_us"),
                new Figure(BASELINE, "get", "callers", "1", "p50_us"));
        goal(b, "Go host → Java plugin, `Get` p50 (1 caller), vs Go host → Go plugin", List.of(p50),
                p50.text() + " (" + f(p50.numerator(), 1) + " vs " + f(p50.denominator(), 1) + " µs)", "≤ 1.2x", false, 1.2);
        Ratio iface = Ratio.of(report, Figure.callsPerSecond("java-java-iface", 16), Figure.callsPerSecond(BASELINE, 16));
        goal(b, "Java host → Java plugin, interface mode, calls/s at 16 callers, vs Go host → Go plugin", List.of(iface),
                iface.text(), "≥ 0.9x", true, 0.9);
        JmhRatio.row(report.jmhResult(), b);
        Ratio cold = Ratio.of(report, Figure.of("java-java", "cold_start", "p50_ms"),
                Figure.of(BARE_JVM, BARE_COLD_START, "p50_ms"));
        goal(b, "Java plugin cold start (Java host, launch → first `Get`, p50) vs a bare JVM printing \"hi\" (launch → "
                        + "line read, p50; same JVM options, its own CDS archive)", List.of(cold),
                cold.text() + " (" + f(cold.numerator(), 1) + " vs " + f(cold.denominator(), 1) + " ms)", "≤ 2x", false, 2);
        Ratio rss = Ratio.of(report, Figure.of("mem-java-plugin", "idle_plugin", "rss_mb"),
                Figure.of(BARE_JVM, BARE_IDLE, "rss_mb"));
        goal(b, "idle Java plugin RSS (protobuf) vs an idle bare JVM (same JVM options)", List.of(rss),
                rss.text() + " (" + f(rss.numerator(), 1) + " vs " + f(rss.denominator(), 1) + " MB)", "≤ 1.25x", false, 1.25);
        Ratio plain = Ratio.of(report, Figure.of("mem-java-plugin-iface", "idle_plugin", "rss_mb"),
                Figure.of("mem-java-plugin", "idle_plugin", "rss_mb"));
        goal(b, "idle plain-interface plugin RSS vs idle protobuf plugin", List.of(plain),
                plain.text() + " (" + f(plain.numerator(), 1) + " vs " + f(plain.denominator(), 1) + " MB)", "≤ 1.05x",
                false, 1.05);
        FloorsSection.append(report, b);
        TargetsSection.append(report, b);
    }

    /** One goal for calls/s at 1, 4 and 16 callers against the baseline's: met when met at every count. */
    private static void perCallerCount(ResultsReport report, StringBuilder b, String figure, String pair, double atLeast) {
        List<Ratio> ratios = new ArrayList<>();
        for (int callers : CALLERS) {
            ratios.add(Ratio.of(report, Figure.callsPerSecond(pair, callers), Figure.callsPerSecond(BASELINE, callers)));
        }
        goal(b, figure, ratios, String.join(" / ", ratios.stream().map(Ratio::text).toList()),
                "≥ " + f(atLeast, 1) + "x at every count", true, atLeast);
    }

    /**
     * A row of the goals table: met when every ratio is at least ({@code atLeast}) or at most the bound;
     * not measured when one of them is missing from this run.
     */
    private static void goal(StringBuilder b, String figure, List<Ratio> ratios, String measured, String goal,
                             boolean atLeast, double bound) {
        boolean all = ratios.stream().allMatch(Ratio::measured);
        int rounds = ratios.stream().mapToInt(Ratio::rounds).min().orElse(0);
        boolean met = ratios.stream().allMatch(r -> atLeast ? r.median() >= bound : r.median() <= bound);
        row(b, figure, all ? measured : "–", goal, all ? Integer.toString(rounds) : "–", all ? verdict(met, rounds) : null);
    }

    /** "met" or "missed", saying so when the rounds are fewer than the goals ask for. */
    static String verdict(boolean met, int rounds) {
        String verdict = met ? "met" : "**missed**";
        return rounds >= MIN_ROUNDS ? verdict : verdict + " (" + rounds + " round" + (rounds == 1 ? "" : "s")
                + ", fewer than " + MIN_ROUNDS + ")";
    }

    /** A row; a null verdict is "not measured in this run". */
    static void row(StringBuilder b, String figure, String measured, String goal, String rounds, String verdict) {
        b.append("| ").append(figure).append(" | ").append(measured).append(" | ").append(goal).append(" | ")
                .append(rounds).append(" | ").append(verdict == null ? "not measured in this run" : verdict).append(" |\n");
    }
}
