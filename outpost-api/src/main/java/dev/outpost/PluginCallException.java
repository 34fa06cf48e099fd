package dev.outpost;

import java.util.Arrays;

/**
 * The other side threw while handling a call. Carries the remote exception's class name and message;
 * its stack trace is the remote one, followed by where the call was made here.
 */
public class PluginCallException extends PluginException {
    private static final long serialVersionUID = 1L;

    private final String remoteType;
    private final String remoteMessage;

    /**
     * @param pluginName    the plugin involved
     * @param peer          who threw, for the message: {@code plugin 'kv'} or {@code the host}
     * @param method        the method called, e.g. {@code Iglu.getManifest}
     * @param remoteType    the class name of the remote exception
     * @param remoteMessage its message, or null
     * @param remoteTrace   its stack trace
     */
    public PluginCallException(String pluginName, String peer, String method, String remoteType, String remoteMessage,
                               StackTraceElement[] remoteTrace) {
        super(pluginName, peer + ": " + method + " failed with " + remoteType
                + (remoteMessage == null ? "" : ": " + remoteMessage));
        this.remoteType = remoteType;
        this.remoteMessage = remoteMessage;
        StackTraceElement[] local = getStackTrace();
        StackTraceElement[] joined = Arrays.copyOf(remoteTrace, remoteTrace.length + 1 + local.length);
        joined[remoteTrace.length] = new StackTraceElement("<" + peer + ">", "remote call", null, -1);
        System.arraycopy(local, 0, joined, remoteTrace.length + 1, local.length);
        setStackTrace(joined);
    }

    /** The class name of the exception thrown on the other side, e.g. {@code java.lang.IllegalStateException}. */
    public String remoteType() {
        return remoteType;
    }

    /** Its message, or null. */
    public String remoteMessage() {
        return remoteMessage;
    }
}
