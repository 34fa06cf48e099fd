package dev.outpost.manager;

import dev.outpost.host.PluginClient;

/**
 * Runs each time a managed plugin has a new process: its first start, every restart after a crash, a
 * start by hand and every reload. What a host made a plugin remember (a callback it subscribed, a
 * session it opened) is gone with the process that remembered it; this is where the host makes it
 * again, on the new process.
 *
 * <p>It runs on a manager thread after the process is up and healthy and <em>before</em> any call
 * through a {@link PluginManager#dispense stable handle} reaches it: such calls wait (up to {@link
 * PluginManager.Builder#unavailableWait}) until the hook is done, so none sees the new process without
 * its subscriptions. Call the process through {@code plugin} ({@code plugin.dispense(name, type)}), not
 * through a stable handle, which would wait for the very start this hook is part of.
 *
 * <p>A hook that throws fails the start as a crash would: the plugin is CRASHED, its process stopped,
 * and it restarts after the back-off of its {@link RestartPolicy}, the hook's failure as its last error.
 * A reload whose hook throws is not done: the old process keeps serving. Hooks run in the order they were
 * added; each delays the plugin's start while it runs, so keep them short.
 */
@FunctionalInterface
public interface StartHook {

    /**
     * @param id     the plugin's id
     * @param plugin its new process; not to be closed (the manager owns it)
     * @throws Exception to fail this start
     */
    void onStart(String id, PluginClient plugin) throws Exception;
}
