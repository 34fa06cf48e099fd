package dev.outpost;

/** The plugin cannot take calls: its process has exited, or it does not answer. */
public class PluginUnavailableException extends PluginException {
    private static final long serialVersionUID = 1L;

    public PluginUnavailableException(String pluginName, String message) {
        super(pluginName, message);
    }

    public PluginUnavailableException(String pluginName, String message, Throwable cause) {
        super(pluginName, message, cause);
    }
}
