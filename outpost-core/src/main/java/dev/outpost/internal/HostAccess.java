package dev.outpost.internal;

import dev.outpost.host.ClientConfig;
import dev.outpost.host.PluginClient;

/**
 * The host side's entry for serving a plugin in this JVM, which {@code dev.outpost.inprocess} calls
 * without a public method of {@link PluginClient} for it. {@link PluginClient} registers it as it is
 * initialised.
 */
public final class HostAccess {

    /** Connects a client to a plugin served in this JVM. */
    @FunctionalInterface
    public interface InProcess {
        PluginClient start(ClientConfig config, LocalServer.Starter server);
    }

    private static volatile InProcess inProcess;

    private HostAccess() {
    }

    /** Called once, by {@link PluginClient}'s initialiser. */
    public static void register(InProcess entry) {
        if (inProcess != null) {
            throw new IllegalStateException("the in-process entry is registered already");
        }
        inProcess = entry;
    }

    /** The entry, initialising {@link PluginClient} if nothing has yet. */
    public static InProcess inProcess() {
        InProcess entry = inProcess;
        if (entry == null) {
            try {
                Class.forName(PluginClient.class.getName(), true, PluginClient.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            entry = inProcess;
        }
        return entry;
    }
}
