package dev.outpost.manager;

import java.time.Instant;

/**
 * A managed plugin changed state. {@code from == to == RUNNING} means it was reloaded.
 *
 * @param id     the plugin's id
 * @param from   the state before
 * @param to     the state now
 * @param reason why, in words (an exit status, an error, "reloaded v0.1.0 -> v0.2.0"); may be empty
 * @param at     when
 * @param plugin everything known about the plugin just after the change
 */
public record PluginEvent(String id, PluginState from, PluginState to, String reason, Instant at, PluginInfo plugin) {

    /** {@code <id> <FROM> -> <TO> [reason]}, one line. */
    @Override
    public String toString() {
        return id + " " + from + " -> " + to + (reason.isEmpty() ? "" : " [" + reason + "]");
    }
}
