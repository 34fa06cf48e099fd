package dev.outpost.host;

import java.util.ArrayList;
import java.util.List;

/**
 * The lines of a plugin's stderr that say why it failed: the first exception's own line and its
 * {@code Caused by:} lines, or a Go panic's first line. A JVM that dies in {@code main} prints the
 * cause at the top of a stack trace that can be hundreds of lines long, so the last lines alone are
 * frames; these are quoted above them in a start failure's message. Not thread-safe: {@link PluginOutput} owns
 * one and calls it under its own lock.
 */
final class StderrCause {

    /** A cause chain longer than this is cut: the first lines and the deepest cause say enough. */
    static final int MAX_LINES = 10;
    private static final int MAX_LINE_CHARS = 1000;

    private final List<String> lines = new ArrayList<>();
    /** A plain line not yet known to be an exception's: it is, when a stack frame follows it. */
    private String candidate;
    private boolean inTrace;
    private boolean sawFrame;
    private boolean done;

    void accept(String line) {
        if (done) {
            return;
        }
        if (inTrace) {
            String stripped = line.strip();
            boolean frame = stripped.startsWith("at ") || (stripped.startsWith("...") && stripped.endsWith("more"));
            if (stripped.startsWith("Caused by: ")) {
                add(stripped);
            } else if (frame) {
                sawFrame = true;
            } else if (sawFrame && !stripped.startsWith("Suppressed: ") && !stripped.isEmpty()) {
                done = true; // the trace is over: a later exception is not this failure's
            }
            // before the first frame: the rest of a message of several lines, or a panic's blank line
            return;
        }
        if (line.startsWith("Exception in thread \"") || line.startsWith("panic: ")
                || line.startsWith("fatal error: ")) {
            start(line);
        } else if (candidate != null && line.startsWith("\tat ")) {
            // printStackTrace() of a caught exception: its line has no marker, the frame below shows it
            start(candidate);
        } else {
            candidate = line.isBlank() || Character.isWhitespace(line.charAt(0)) ? null : line;
        }
    }

    /** The lines, in the order they came; empty when the plugin printed no exception. */
    List<String> lines() {
        return List.copyOf(lines);
    }

    private void start(String line) {
        add(line);
        inTrace = true;
        candidate = null;
    }

    private void add(String line) {
        String kept = line.length() > MAX_LINE_CHARS ? line.substring(0, MAX_LINE_CHARS) + "…" : line;
        if (lines.size() < MAX_LINES) {
            lines.add(kept);
        } else {
            lines.set(MAX_LINES - 1, kept); // the deepest cause replaces the ones between
        }
    }
}
