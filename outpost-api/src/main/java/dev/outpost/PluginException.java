package dev.outpost;

/** Base of every failure Outpost reports about a plugin; the message always names the plugin. */
public class PluginException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String pluginName;

    public PluginException(String pluginName, String message) {
        super(message);
        this.pluginName = pluginName;
    }

    public PluginException(String pluginName, String message, Throwable cause) {
        super(message, cause);
        this.pluginName = pluginName;
    }

    /** The name of the plugin this is about. */
    public String pluginName() {
        return pluginName;
    }
}
