package dev.outpost.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a JMH JSON result ({@code -rf json -rff FILE}) and prints a Markdown table of every benchmark
 * and mode, then the ratio interface/protobuf of each pair of methods {@code xInterface}/{@code
 * xProtobuf} of one class and mode:
 * {@code java -cp benchmarks/target/outpost-benchmarks.jar dev.outpost.benchmarks.Report FILE}.
 */
public final class Report {

    private static final String[] PERCENTILES = {"50.0", "90.0", "99.0", "99.9"};

    private Report() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: Report JMH_RESULT.json");
            System.exit(2);
        }
        JsonNode results = JsonMapper.builder().build().readTree(Path.of(args[0]).toFile());
        Map<String, JsonNode> byKey = new LinkedHashMap<>();
        System.out.println("| benchmark | mode | score | error (99.9%) | p50 | p90 | p99 | p99.9 | unit |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        for (JsonNode result : results) {
            String benchmark = result.get("benchmark").asString();
            String mode = result.get("mode").asString();
            JsonNode metric = result.get("primaryMetric");
            byKey.put(benchmark + " " + mode, metric);
            List<String> cells = new ArrayList<>(List.of(shortName(benchmark), mode,
                    number(metric.get("score").asDouble()), "± " + number(metric.get("scoreError").asDouble())));
            for (String p : PERCENTILES) {
                // In avgt mode JMH's percentiles are over iteration scores, not calls: only sample mode's mean something.
                cells.add(mode.equals("sample") ? number(metric.get("scorePercentiles").get(p).asDouble()) : "");
            }
            cells.add(metric.get("scoreUnit").asString());
            System.out.println("| " + String.join(" | ", cells) + " |");
        }
        System.out.println();
        System.out.println("| ratio interface/protobuf | mode | score | p50 | p90 | p99 | p99.9 |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        byKey.forEach((key, iface) -> {
            int space = key.lastIndexOf(' ');
            String benchmark = key.substring(0, space);
            String mode = key.substring(space + 1);
            if (!benchmark.endsWith("Interface")) {
                return;
            }
            JsonNode proto = byKey.get(benchmark.substring(0, benchmark.length() - "Interface".length())
                    + "Protobuf " + mode);
            if (proto == null) {
                return;
            }
            List<String> cells = new ArrayList<>(List.of(shortName(benchmark).replace("Interface", "*"), mode,
                    ratio(iface.get("score"), proto.get("score"))));
            for (String p : PERCENTILES) {
                cells.add(mode.equals("sample")
                        ? ratio(iface.get("scorePercentiles").get(p), proto.get("scorePercentiles").get(p)) : "");
            }
            System.out.println("| " + String.join(" | ", cells) + " |");
        });
    }

    private static String shortName(String benchmark) {
        return benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
    }

    private static String ratio(JsonNode a, JsonNode b) {
        return String.format(Locale.ROOT, "%.2f", a.asDouble() / b.asDouble());
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, value >= 100 ? "%.1f" : "%.3f", value);
    }
}
