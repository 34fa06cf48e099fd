package dev.outpost.manager;

import java.time.Duration;

/**
 * Told of every call made through a {@link PluginManager#dispense stable handle}, on the calling
 * thread, after it returned or failed. Must be quick and must not throw.
 */
@FunctionalInterface
public interface CallListener {

    /**
     * @param pluginId the plugin called
     * @param method   the interface method, e.g. {@code Iglu.devices}
     * @param duration how long the call took, waiting for a restarting plugin included
     * @param failure  what it threw, or null
     */
    void onCall(String pluginId, String method, Duration duration, Throwable failure);
}
