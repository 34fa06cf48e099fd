package dev.outpost.benchmarks.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Section 9 of {@code results.md}: go-plugin's broker multiplexing (1.6+), each pair measured with and
 * without it in the same rounds, against go-plugin v1.8.0's own pair. What matters is the ratio
 * multiplexed / plain of each pair: Outpost's must be no larger than go-plugin's.
 */
final class MultiplexSection {

    /** Pairs measured plain (this id) and multiplexed (this id + {@code -mux}), in table order. */
    static final Map<String, String> PAIRS = new LinkedHashMap<>();

    static {
        PAIRS.put("go18-go18", "v1.8.0 Go host → v1.8.0 Go plugin (go-plugin's own)");
        PAIRS.put("java-go18", "Java host → v1.8.0 Go plugin");
        PAIRS.put("go18-java", "v1.8.0 Go host → Java plugin");
        PAIRS.put("java-java18", "Java host → Java plugin (protobuf)");
    }

    static final String BASELINE = "go18-go18";

    private MultiplexSection() {
    }

    static void append(ResultsReport report, StringBuilder b) {
        if (report.rounds(BASELINE, "get") == 0) {
            return;
        }
        b.append("\n## 9. Broker multiplexing (go-plugin 1.6+): each pair plain and multiplexed, in the same rounds\n\n");
        b.append("`Get` over a Unix socket, plain and with `GRPCBrokerMultiplex` / `multiplexBroker(true)` (one yamux "
                + "connection). The ratio is multiplexed / plain for p50 (above 1: multiplexing is slower) and for "
                + "calls/s (below 1: multiplexing is slower). Medians over " + report.rounds(BASELINE, "get")
                + " rounds.\n\n");
        b.append("| pair | p50 µs plain | p50 µs multiplexed | p50 ratio | calls/s plain, 1 / 4 / 16 callers "
                + "| calls/s multiplexed, 1 / 4 / 16 | calls/s ratio, 1 / 4 / 16 |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (var pair : PAIRS.entrySet()) {
            String plain = pair.getKey();
            String mux = plain + "-mux";
            b.append("| ").append(pair.getValue())
                    .append(" | ").append(ResultsReport.f(report.get(plain, 1, "p50_us"), 1))
                    .append(" | ").append(ResultsReport.f(report.get(mux, 1, "p50_us"), 1))
                    .append(" | ").append(ResultsReport.ratio(report.get(mux, 1, "p50_us"), report.get(plain, 1, "p50_us")))
                    .append(" | ").append(perCallerCount(report, plain, null))
                    .append(" | ").append(perCallerCount(report, mux, null))
                    .append(" | ").append(perCallerCount(report, mux, plain)).append(" |\n");
        }
        b.append("\nThroughput against go-plugin v1.8.0's own pair in the same mode: calls/s ratio at 1 / 4 / 16 callers "
                + "(below 1: slower than go-plugin's).\n\n");
        b.append("| pair | plain, vs v1.8.0's own plain | multiplexed, vs v1.8.0's own multiplexed |\n");
        b.append("| --- | ---: | ---: |\n");
        for (var pair : PAIRS.entrySet()) {
            if (!pair.getKey().equals(BASELINE)) {
                b.append("| ").append(pair.getValue())
                        .append(" | ").append(perCallerCount(report, pair.getKey(), BASELINE))
                        .append(" | ").append(perCallerCount(report, pair.getKey() + "-mux", BASELINE + "-mux"))
                        .append(" |\n");
            }
        }
    }

    /** Calls/s of {@code pair} at 1 / 4 / 16 callers, or with a {@code base} pair its ratio to that pair's. */
    private static String perCallerCount(ResultsReport report, String pair, String base) {
        List<String> cells = new ArrayList<>();
        for (int callers : new int[] {1, 4, 16}) {
            double calls = report.get(pair, callers, "calls_per_s");
            cells.add(base == null ? ResultsReport.f(calls, 0)
                    : ResultsReport.ratio(calls, report.get(base, callers, "calls_per_s")));
        }
        return String.join(" / ", cells);
    }

    /** The target line: each Outpost pair's multiplexing costs, as a p50 ratio, no more than go-plugin's own. */
    static void target(ResultsReport report, StringBuilder b) {
        double goPlugin = cost(report, BASELINE);
        StringBuilder measured = new StringBuilder("go-plugin's own " + ResultsReport.f(goPlugin, 2) + "x");
        boolean met = !Double.isNaN(goPlugin);
        for (String pair : PAIRS.keySet()) {
            if (!pair.equals(BASELINE)) {
                double ours = cost(report, pair);
                measured.append("; ").append(PAIRS.get(pair)).append(" ").append(ResultsReport.f(ours, 2)).append("x");
                met &= ours <= goPlugin;
            }
        }
        TargetsSection.target(b, "broker multiplexing costs, as a ratio (multiplexed / plain Get p50), no more than "
                + "go-plugin v1.8.0's own", Double.isNaN(goPlugin) ? "–" : measured.toString(), met);
    }

    private static double cost(ResultsReport report, String pair) {
        return report.get(pair + "-mux", 1, "p50_us") / report.get(pair, 1, "p50_us");
    }
}
