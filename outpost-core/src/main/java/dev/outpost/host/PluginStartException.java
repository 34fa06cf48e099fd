package dev.outpost.host;

import dev.outpost.PluginException;
import java.util.List;

/**
 * A plugin could not be started: its command could not run, it exited or timed out before its
 * handshake, the handshake was invalid or incompatible, or its server did not answer. The process,
 * if one was started, is gone when this is thrown.
 */
public class PluginStartException extends PluginException {
    private static final long serialVersionUID = 1L;

    private final List<String> stderrTail;

    public PluginStartException(String pluginName, String message, List<String> stderrTail, Throwable cause) {
        super(pluginName, message + formatTail(stderrTail), cause);
        this.stderrTail = List.copyOf(stderrTail);
    }

    /** The last lines the plugin wrote on stderr before it failed, oldest first. */
    public List<String> stderrTail() {
        return stderrTail;
    }

    private static String formatTail(List<String> tail) {
        if (tail.isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder("\nlast lines of the plugin's stderr:");
        tail.forEach(line -> text.append("\n  | ").append(line));
        return text.toString();
    }
}
