package dev.outpost;

/** A call did not complete within its deadline; the other side was told to cancel it. */
public class PluginTimeoutException extends PluginException {
    private static final long serialVersionUID = 1L;

    public PluginTimeoutException(String pluginName, String message, Throwable cause) {
        super(pluginName, message, cause);
    }
}
