package dev.outpost.manager;

/**
 * Told of every state change, in order, on the manager's event thread. A listener must not block for
 * long: the next events wait for it.
 */
@FunctionalInterface
public interface PluginListener {
    void onEvent(PluginEvent event);
}
