package dev.outpost;


/** A value could not be encoded or decoded; the message names the method and the parameter. */
public class CodecException extends PluginException {
    private static final long serialVersionUID = 1L;

    public CodecException(String pluginName, String message, Throwable cause) {
        super(pluginName, message, cause);
    }
}
