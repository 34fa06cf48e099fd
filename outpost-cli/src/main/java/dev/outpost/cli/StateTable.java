package dev.outpost.cli;

import dev.outpost.manager.Manifest;
import dev.outpost.manager.PluginInfo;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The table of managed plugins that {@code run} and {@code demo} print. */
final class StateTable {

    private StateTable() {
    }

    static void print(List<PluginInfo> plugins, Map<String, Long> lastCallMicros, PrintStream out) {
        out.printf("  %-16s %-18s %-8s %-10s %-7s %-8s %-8s %s%n", "ID", "NAME", "VERSION", "STATE", "PID",
                "RESTARTS", "UPTIME", "LAST CALL");
        Instant now = Instant.now();
        for (PluginInfo plugin : plugins) {
            Long micros = lastCallMicros.get(plugin.id());
            out.printf("  %-16s %-18s %-8s %-10s %-7s %-8d %-8s %s%n", plugin.id(),
                    cut(plugin.manifest().map(Manifest::name).orElse("?"), 18),
                    cut(plugin.manifest().map(Manifest::version).orElse("?"), 8), plugin.state(),
                    plugin.pid().isPresent() ? Long.toString(plugin.pid().getAsLong()) : "-", plugin.restarts(),
                    plugin.startedAt().map(started -> uptime(Duration.between(started, now))).orElse("-"),
                    micros == null ? "-" : String.format("%.1f ms", micros / 1000.0));
        }
    }

    private static String uptime(Duration duration) {
        long seconds = duration.toSeconds();
        return seconds < 60 ? seconds + "s" : seconds / 60 + "m" + seconds % 60 + "s";
    }

    private static String cut(String text, int width) {
        return text.length() <= width ? text : text.substring(0, width - 1) + "…";
    }
}
