package dev.outpost.benchmarks.harness;

import static dev.outpost.benchmarks.harness.ResultsReport.f;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The goal row of interface mode against protobuf mode: {@code CallBenchmark.getInterface} over
 * {@code getProtobuf}, mean (JMH's score in {@code avgt} mode, else in {@code sample} mode), from a JMH JSON
 * result ({@code -rf json}). The harness does not run JMH: the row quotes the file it is given, and says
 * "not measured in this run" without one.
 */
final class JmhRatio {

    static final String FIGURE = "interface mode vs the same call as a protobuf service (JMH `CallBenchmark`, mean)";
    static final String GOAL = "≤ 1.1x";
    static final double BOUND = 1.1;

    private JmhRatio() {
    }

    static void row(Path file, StringBuilder b) {
        if (file == null) {
            GoalsSection.row(b, FIGURE, "–", GOAL, "–", null);
            return;
        }
        try {
            JsonNode results = JsonMapper.builder().build().readTree(file.toFile());
            for (String mode : new String[] {"avgt", "sample"}) {
                JsonNode iface = find(results, "getInterface", mode);
                JsonNode proto = find(results, "getProtobuf", mode);
                if (iface != null && proto != null) {
                    double ratio = iface.get("score").asDouble() / proto.get("score").asDouble();
                    String unit = iface.get("scoreUnit").asString();
                    String date = Files.getLastModifiedTime(file).toInstant().atOffset(ZoneOffset.UTC).toLocalDate()
                            .toString();
                    GoalsSection.row(b, FIGURE, f(ratio, 2) + "x (" + mode + ", " + f(iface.get("score").asDouble(), 1)
                                    + " vs " + f(proto.get("score").asDouble(), 1) + " " + unit + "; `" + file.getFileName()
                                    + "` of " + date + ", not this run)", GOAL, "JMH",
                            ratio <= BOUND ? "met" : "**missed**");
                    return;
                }
            }
            GoalsSection.row(b, FIGURE, "– (`" + file.getFileName() + "` has no CallBenchmark.getInterface and "
                    + "getProtobuf in one mode, avgt or sample)", GOAL, "–", null);
        } catch (IOException | JacksonException e) {
            GoalsSection.row(b, FIGURE, "– (`" + file.getFileName() + "` is not a readable JMH JSON result: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")", GOAL, "–", null);
        }
    }

    /** The result of the benchmark method {@code method} of CallBenchmark in {@code mode}, or null. */
    private static JsonNode find(JsonNode results, String method, String mode) {
        for (JsonNode result : results) {
            if (result.path("benchmark").asString("").endsWith("CallBenchmark." + method)
                    && mode.equals(result.path("mode").asString(""))) {
                return result.path("primaryMetric");
            }
        }
        return null;
    }
}
