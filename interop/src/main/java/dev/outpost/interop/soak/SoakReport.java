package dev.outpost.interop.soak;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a soak run found, its verdict, and the report printed on one screen (and as Markdown).
 *
 * @param settings   one line each: seed, plugins, deadlines, rates
 * @param machine    one line each: the machine and its load
 * @param totals     the ledger's totals
 * @param requested  how many calls were asked for
 * @param chaos      what the chaos did, by action
 * @param events     the manager's state changes, by kind
 * @param recovered  plugin id to how long it took to answer again once the chaos stopped, or why it did not
 * @param close      how the manager's close went
 * @param leftovers  what was left after it
 * @param problems   anything else that went wrong (stuck callers, chaos that could not be done)
 * @param seconds    the calls' wall time
 */
public record SoakReport(List<String> settings, List<String> machine, Ledger.Totals totals, int requested,
                         Map<String, Long> chaos, Map<String, Long> events, Map<String, String> recovered,
                         String close, Leftovers.Found leftovers, List<String> problems, double seconds) {

    /** Every reason the run failed; empty when it passed. */
    public List<String> failures() {
        List<String> failures = new ArrayList<>();
        if (totals.issued() != requested) {
            failures.add("issued " + totals.issued() + " of the " + requested + " calls asked for");
        }
        if (!totals.addsUp()) {
            failures.add("the accounting does not add up: issued " + totals.issued() + ", succeeded "
                    + totals.succeeded() + ", failed " + totals.failedTotal() + ", hung " + totals.hung() + ", untyped "
                    + totals.untyped() + ", still in flight " + totals.inFlight() + ", ended twice " + totals.doubleEnds());
        }
        if (totals.hung() > 0) {
            failures.add(totals.hung() + " hung call(s)");
        }
        if (totals.untyped() > 0) {
            failures.add(totals.untyped() + " call(s) ended with an exception that is not a PluginException");
        }
        if (totals.wrongValues() > 0) {
            failures.add(totals.wrongValues() + " Get(s) returned a value that was never put under that key");
        }
        recovered.forEach((id, how) -> {
            if (!how.startsWith("in ")) {
                failures.add("plugin '" + id + "' did not answer again after the chaos: " + how);
            }
        });
        if (leftovers.total() > 0) {
            failures.add(leftovers.processes().size() + " process(es) and " + leftovers.files().size()
                    + " temporary entry(ies) left after closing the manager");
        }
        failures.addAll(problems);
        return failures;
    }

    public boolean passed() {
        return failures().isEmpty();
    }

    public long hung() {
        return totals.hung();
    }

    public long untyped() {
        return totals.untyped();
    }

    public int issued() {
        return totals.issued();
    }

    public long succeeded() {
        return totals.succeeded();
    }

    public long restarts() {
        return events.getOrDefault("restarting", 0L);
    }

    /** The report as plain text, one screen. */
    public String text() {
        return render(false);
    }

    /** The report as Markdown, with the machine. */
    public String markdown() {
        return render(true);
    }

    private String render(boolean markdown) {
        List<String> failures = failures();
        StringBuilder out = new StringBuilder();
        String bullet = markdown ? "- " : "  ";
        if (markdown) {
            out.append("# Outpost chaos soak\n\nProduced by `benchmarks/soak.sh` (the program: "
                    + "`interop/src/main/java/dev/outpost/interop/soak/`).\n\n## Machine\n\n");
            machine.forEach(line -> out.append("- ").append(line).append('\n'));
            out.append("\n## Settings\n\n");
        } else {
            out.append("chaos soak: ").append(failures.isEmpty() ? "PASS" : "FAIL").append('\n');
        }
        settings.forEach(line -> out.append(bullet).append(line).append('\n'));
        if (markdown) {
            out.append("\n## Result: ").append(failures.isEmpty() ? "PASS" : "FAIL").append("\n\n");
        }
        out.append(markdown ? "| calls | count |\n| --- | ---: |\n" : "calls:\n");
        row(out, markdown, "issued", totals.issued(), "of " + requested + " asked for, in "
                + String.format(Locale.ROOT, "%.0f s", seconds));
        row(out, markdown, "succeeded", totals.succeeded(), "");
        totals.failed().forEach((type, n) -> row(out, markdown, "failed: " + type, n, ""));
        row(out, markdown, "hung", totals.hung(), "must be 0");
        row(out, markdown, "untyped", totals.untyped(), "must be 0");
        row(out, markdown, "wrong Get values", totals.wrongValues(), "must be 0");
        row(out, markdown, "late ends of hung calls", totals.lateEnds(), "");
        if (markdown) {
            out.append('\n');
        }
        out.append(bullet).append("accounting: issued ").append(totals.issued()).append(" = succeeded ")
                .append(totals.succeeded()).append(" + failed ").append(totals.failedTotal()).append(" + hung ")
                .append(totals.hung()).append(" + untyped ").append(totals.untyped()).append(": ")
                .append(totals.addsUp() ? "adds up" : "DOES NOT ADD UP").append('\n');
        out.append(bullet).append(String.format(Locale.ROOT,
                "latency of the calls that ended (succeeded or failed): p50 %.2f ms, p99 %.1f ms, max %.0f ms%n",
                totals.p50Nanos() / 1e6, totals.p99Nanos() / 1e6, totals.maxNanos() / 1e6));
        out.append(bullet).append("chaos: ").append(join(chaos)).append('\n');
        out.append(bullet).append("manager events: ").append(join(events)).append(" (restarts: ").append(restarts())
                .append(")\n");
        out.append(bullet).append("after the chaos: ").append(recovered.entrySet().stream()
                .map(e -> e.getKey() + " answered " + e.getValue()).collect(Collectors.joining(", "))).append('\n');
        out.append(bullet).append("close: ").append(close).append('\n');
        out.append(bullet).append("left after close: ").append(leftovers.processes().size()).append(" process(es), ")
                .append(leftovers.files().size()).append(" socket(s)/dir(s) (descendants alive the moment close returned: ")
                .append(leftovers.atClose()).append(")\n");
        examples(out, markdown, "examples of failures", totals.failureExamples().entrySet().stream()
                .flatMap(e -> e.getValue().stream().limit(1).map(text -> e.getKey() + ": " + text)).toList());
        examples(out, markdown, "untyped", totals.untypedExamples());
        examples(out, markdown, "hung", totals.hungExamples());
        examples(out, markdown, "wrong values", totals.wrongExamples());
        examples(out, markdown, "left processes", leftovers.processes());
        examples(out, markdown, "left files", leftovers.files());
        if (!failures.isEmpty()) {
            examples(out, markdown, "FAILED because", failures);
        }
        return out.toString();
    }

    private static void row(StringBuilder out, boolean markdown, String what, long n, String note) {
        if (markdown) {
            out.append("| ").append(what).append(note.isEmpty() ? "" : " (" + note + ")").append(" | ")
                    .append(String.format(Locale.ROOT, "%,d", n)).append(" |\n");
        } else {
            out.append(String.format(Locale.ROOT, "  %-36s %,12d%s%n", what, n, note.isEmpty() ? "" : "  (" + note + ")"));
        }
    }

    private static void examples(StringBuilder out, boolean markdown, String title, List<String> lines) {
        if (lines.isEmpty()) {
            return;
        }
        out.append(markdown ? "\n" + title + ":\n\n```\n" : title + ":\n");
        lines.forEach(line -> out.append(markdown ? "" : "  ").append(line).append('\n'));
        if (markdown) {
            out.append("```\n");
        }
    }

    private static String join(Map<String, Long> counts) {
        return counts.isEmpty() ? "none" : counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
