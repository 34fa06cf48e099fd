package dev.outpost.benchmarks.harness;

import static dev.outpost.benchmarks.harness.ResultsReport.f;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The goal row of interface mode against protobuf mode: {@code CallBenchmark.getInterface} over
 * {@code getProtobuf}, mean (JMH's score in {@code avgt} mode, else in {@code sample} mode), as the median over
 * rounds of each round's ratio, like every other goal. Its source is either a directory of alternating rounds
 * ({@code benchmarks/jmh-rounds.sh}: {@code round-N-*.json}, JMH JSON results, the files of one N making one
 * round) or a single JMH JSON result ({@code -rf json}), which is one round. The harness does not run JMH: the
 * row quotes what it is given, and says "not measured in this run" without it.
 *
 * <p>{@code java -cp outpost-benchmarks.jar dev.outpost.benchmarks.harness.JmhRatio DIR_OR_FILE} prints the row.
 */
final class JmhRatio {

    static final String FIGURE = "interface mode vs the same call as a protobuf service (JMH `CallBenchmark`, mean)";
    static final String GOAL = "≤ 1.1x";
    static final double BOUND = 1.1;

    private static final Pattern ROUND_FILE = Pattern.compile("round-(\\d+)-.*\\.json");
    private static final Pattern DATE_LINE = Pattern.compile("date: (\\d{4}-\\d{2}-\\d{2}).*");

    private JmhRatio() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: JmhRatio ROUNDS_DIR|JMH_RESULT.json");
            System.exit(2);
        }
        StringBuilder b = new StringBuilder("| figure | measured | goal | rounds | verdict |\n| --- | --- | --- | ---: | --- |\n");
        row(Path.of(args[0]), b);
        System.out.print(b);
    }

    static void row(Path source, StringBuilder b) {
        if (source == null) {
            GoalsSection.row(b, FIGURE, "–", GOAL, "–", null);
            return;
        }
        String name = source.getFileName().toString();
        try {
            Map<Integer, List<JsonNode>> rounds = rounds(source);
            if (rounds.isEmpty()) {
                GoalsSection.row(b, FIGURE, "– (`" + name + "` holds no round-N-*.json result)", GOAL, "–", null);
                return;
            }
            for (String mode : new String[] {"avgt", "sample"}) {
                List<double[]> scores = new ArrayList<>();
                String unit = null;
                for (List<JsonNode> round : rounds.values()) {
                    JsonNode iface = find(round, "getInterface", mode);
                    JsonNode proto = find(round, "getProtobuf", mode);
                    if (iface == null || proto == null) {
                        break;
                    }
                    scores.add(new double[] {iface.get("score").asDouble(), proto.get("score").asDouble()});
                    unit = iface.get("scoreUnit").asString();
                }
                if (scores.size() == rounds.size()) {
                    quote(b, source, mode, unit, scores);
                    return;
                }
            }
            GoalsSection.row(b, FIGURE, "– (`" + name + "`: not every round has CallBenchmark.getInterface and "
                    + "getProtobuf in one mode, avgt or sample)", GOAL, "–", null);
        } catch (IOException | JacksonException e) {
            GoalsSection.row(b, FIGURE, "– (`" + name + "` is not readable as JMH JSON results: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")", GOAL, "–", null);
        }
    }

    private static void quote(StringBuilder b, Path source, String mode, String unit, List<double[]> scores)
            throws IOException {
        double ratio = ResultsReport.median(scores.stream().mapToDouble(s -> s[0] / s[1]).toArray());
        double iface = ResultsReport.median(scores.stream().mapToDouble(s -> s[0]).toArray());
        double proto = ResultsReport.median(scores.stream().mapToDouble(s -> s[1]).toArray());
        StringBuilder measured = new StringBuilder(f(ratio, 2) + "x (" + mode + ", " + f(iface, 1) + " vs "
                + f(proto, 1) + " " + unit);
        if (scores.size() > 1) {
            measured.append(", medians; per round ").append(String.join(" / ",
                    scores.stream().map(s -> f(s[0] / s[1], 2)).toList()));
        }
        measured.append("; `").append(source.getFileName()).append("` of ").append(date(source)).append(", not this run)");
        GoalsSection.row(b, FIGURE, measured.toString(), GOAL, Integer.toString(scores.size()),
                GoalsSection.verdict(ratio <= BOUND, scores.size()));
    }

    /** The results of each round, by round number: a directory's round-N-*.json files, or one file as round 1. */
    private static Map<Integer, List<JsonNode>> rounds(Path source) throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        Map<Integer, List<JsonNode>> rounds = new TreeMap<>();
        if (!Files.isDirectory(source)) {
            rounds.put(1, list(json.readTree(source.toFile())));
            return rounds;
        }
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.sorted().toList()) {
                Matcher m = ROUND_FILE.matcher(file.getFileName().toString());
                if (m.matches()) {
                    rounds.computeIfAbsent(Integer.parseInt(m.group(1)), n -> new ArrayList<>())
                            .addAll(list(json.readTree(file.toFile())));
                }
            }
        }
        return rounds;
    }

    private static List<JsonNode> list(JsonNode results) {
        List<JsonNode> list = new ArrayList<>();
        results.forEach(list::add);
        return list;
    }

    /** The day of the rounds: machine.txt's "date:" line, else the file's modification time. */
    private static String date(Path source) throws IOException {
        Path machine = Files.isDirectory(source) ? source.resolve("machine.txt") : null;
        if (machine != null && Files.isRegularFile(machine)) {
            for (String line : Files.readAllLines(machine)) {
                Matcher m = DATE_LINE.matcher(line);
                if (m.matches()) {
                    return m.group(1);
                }
            }
        }
        return Files.getLastModifiedTime(source).toInstant().atOffset(ZoneOffset.UTC).toLocalDate().toString();
    }

    /** The primary metric of CallBenchmark's method {@code method} in {@code mode} among {@code results}, or null. */
    private static JsonNode find(List<JsonNode> results, String method, String mode) {
        for (JsonNode result : results) {
            if (result.path("benchmark").asString("").endsWith("CallBenchmark." + method)
                    && mode.equals(result.path("mode").asString(""))) {
                return result.path("primaryMetric");
            }
        }
        return null;
    }
}
