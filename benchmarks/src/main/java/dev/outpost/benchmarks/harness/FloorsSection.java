package dev.outpost.benchmarks.harness;

import static dev.outpost.benchmarks.harness.ResultsReport.BARE_COLD_START;
import static dev.outpost.benchmarks.harness.ResultsReport.BARE_IDLE;
import static dev.outpost.benchmarks.harness.ResultsReport.BARE_JVM;
import static dev.outpost.benchmarks.harness.ResultsReport.BASELINE;

import dev.outpost.benchmarks.harness.GoalsSection.Figure;
import dev.outpost.benchmarks.harness.GoalsSection.Ratio;
import java.util.ArrayList;
import java.util.List;

/**
 * The goals' floors: the figures of the goals that grpc-java reaches with none of Outpost, measured in the
 * same rounds. {@link GrpcFloorHost} calls the Go plugin through a bare grpc-java channel; {@link
 * GrpcFloorPlugin} serves {@code proto.KV} from a bare grpc-java server, started and measured as the Java KV
 * plugin is. Each row says how far grpc-java alone is from the goal's reference, and how far Outpost is from
 * grpc-java alone: a goal that grpc-java alone misses is not Outpost's to meet without another transport.
 */
final class FloorsSection {

    /** {@link GrpcFloorHost} → the Go plugin: {@code BENCH get} lines. */
    static final String FLOOR_HOST = "floor-go";
    /** The Java host → {@link GrpcFloorPlugin}: {@code BENCH cold_start} lines. */
    static final String FLOOR_PLUGIN = "java-floor";
    /** {@link GrpcFloorPlugin} idle: {@code BENCH idle_plugin} lines. */
    static final String FLOOR_PLUGIN_MEMORY = "mem-floor-plugin";

    private static final int[] CALLERS = {1, 4, 16};

    private FloorsSection() {
    }

    static void append(ResultsReport report, StringBuilder b) {
        if (report.rounds(FLOOR_HOST, "get") == 0 && report.rounds(FLOOR_PLUGIN, "cold_start") == 0
                && report.rounds(FLOOR_PLUGIN_MEMORY, "idle_plugin") == 0) {
            return;
        }
        b.append("\n### The goals' floors: grpc-java without Outpost, same rounds\n\n");
        b.append("`GrpcFloorHost` calls the Go plugin through a bare grpc-java channel (Netty epoll, one event loop; "
                + "no handshake checks, health check, deadlines, log records or crash watch); `GrpcFloorPlugin` serves "
                + "`proto.KV`, health and shutdown from a bare grpc-java server in the Java KV plugin's jar, launched, "
                + "archived and measured as that plugin is. Ratios are medians of each round's ratio.\n\n");
        b.append("| figure | grpc-java alone vs the goal's reference | Outpost vs grpc-java alone | rounds |\n");
        b.append("| --- | --- | --- | ---: |\n");
        List<Ratio> floor = new ArrayList<>();
        List<Ratio> outpost = new ArrayList<>();
        for (int callers : CALLERS) {
            floor.add(Ratio.of(report, Figure.callsPerSecond(FLOOR_HOST, callers), Figure.callsPerSecond(BASELINE, callers)));
            outpost.add(Ratio.of(report, Figure.callsPerSecond("java-go", callers), Figure.callsPerSecond(FLOOR_HOST, callers)));
        }
        row(b, "Java host → Go plugin, calls/s at 1 / 4 / 16 callers (reference: Go host → Go plugin)", floor, outpost);
        row(b, "Java plugin cold start, Java host, launch → first `Get`, p50 (reference: the bare JVM)",
                List.of(Ratio.of(report, Figure.of(FLOOR_PLUGIN, "cold_start", "p50_ms"),
                        Figure.of(BARE_JVM, BARE_COLD_START, "p50_ms"))),
                List.of(Ratio.of(report, Figure.of("java-java", "cold_start", "p50_ms"),
                        Figure.of(FLOOR_PLUGIN, "cold_start", "p50_ms"))));
        row(b, "idle Java plugin RSS (reference: the bare JVM)",
                List.of(Ratio.of(report, Figure.of(FLOOR_PLUGIN_MEMORY, "idle_plugin", "rss_mb"),
                        Figure.of(BARE_JVM, BARE_IDLE, "rss_mb"))),
                List.of(Ratio.of(report, Figure.of("mem-java-plugin", "idle_plugin", "rss_mb"),
                        Figure.of(FLOOR_PLUGIN_MEMORY, "idle_plugin", "rss_mb"))));
    }

    private static void row(StringBuilder b, String figure, List<Ratio> floor, List<Ratio> outpost) {
        List<Ratio> all = new ArrayList<>(floor);
        all.addAll(outpost);
        // The rounds of the figures measured; a figure missing from this run shows as a dash.
        int rounds = all.stream().filter(Ratio::measured).mapToInt(Ratio::rounds).min().orElse(0);
        b.append("| ").append(figure).append(" | ").append(text(floor)).append(" | ").append(text(outpost))
                .append(" | ").append(rounds == 0 ? "–" : Integer.toString(rounds)).append(" |\n");
    }

    private static String text(List<Ratio> ratios) {
        return String.join(" / ", ratios.stream().map(r -> r.measured() ? r.text() : "–").toList());
    }
}
