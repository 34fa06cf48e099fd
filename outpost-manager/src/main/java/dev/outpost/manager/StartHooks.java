package dev.outpost.manager;

import dev.outpost.host.PluginClient;
import java.util.List;

/** Runs a manager's {@link StartHook}s on a plugin's new process. */
final class StartHooks {

    private StartHooks() {
    }

    /**
     * Runs each of {@code hooks}, in order, until one throws.
     *
     * @return null when all ran, else why the start fails: which hook (by its place) and what it threw
     */
    static String run(List<StartHook> hooks, String id, PluginClient client) {
        for (int i = 0; i < hooks.size(); i++) {
            try {
                hooks.get(i).onStart(id, client);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                return "start hook " + (i + 1) + " of " + hooks.size() + " failed on pid " + client.pid() + ": "
                        + e.getClass().getName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
            }
        }
        return null;
    }
}
