package dev.outpost.manager;

import java.time.Instant;
import java.util.Objects;

/**
 * A managed plugin changed state. {@code from == to == RUNNING} means it was reloaded.
 *
 * @param id     the plugin's id
 * @param from   the state before
 * @param to     the state now
 * @param reason why, in one line (an exit status, an error, "reloaded v0.1.0 -> v0.2.0"); may be empty.
 *               Of a reason given on several lines (a start failure quoting the plugin's stderr) only
 *               the first is kept: the whole text is in {@code plugin().lastError()}, and what the
 *               plugin wrote on stderr in {@code plugin().stderrTail()}
 * @param at     when
 * @param plugin everything known about the plugin just after the change
 */
public record PluginEvent(String id, PluginState from, PluginState to, String reason, Instant at, PluginInfo plugin) {

    public PluginEvent {
        // Events are read line by line (outpost run, log files): a line break would split one in two.
        reason = firstLine(Objects.requireNonNullElse(reason, ""));
    }

    /** {@code <id> <FROM> -> <TO> [reason]}, one line. */
    @Override
    public String toString() {
        return id + " " + from + " -> " + to + (reason.isEmpty() ? "" : " [" + reason + "]");
    }

    private static String firstLine(String text) {
        return text.lines().map(String::strip).filter(line -> !line.isEmpty()).findFirst().orElse("");
    }
}
