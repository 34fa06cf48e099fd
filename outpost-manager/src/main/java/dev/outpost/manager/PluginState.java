package dev.outpost.manager;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Where a managed plugin is in its life. The allowed moves form a fixed table ({@link #canMoveTo});
 * the manager makes no other, so a state seen by a listener always follows from the one before.
 *
 * <pre>
 * LOADING ──► STARTING ──► RUNNING ──► STOPPING ──► STOPPED ──► STARTING …
 *    │           │            │                        ▲
 *    │           ▼            ▼                        │
 *    │        CRASHED ◄───────┘ (exit, failed health checks, hung calls)
 *    │     (UNREACHABLE, for a remote plugin: its connection or health checks failed)
 *    │           │
 *    │           ├──► RESTARTING ──► STARTING (after the back-off: for a remote plugin, connecting again)
 *    ▼           ▼
 *  FAILED ◄── (bad manifest, too many restarts; from STARTING: a start that cannot succeed)
 *
 *  DISABLED ◄── any settled state
 * </pre>
 */
public enum PluginState {
    /** Found in the directory; its manifest is being read. */
    LOADING,
    /** Its process is being launched and connected. */
    STARTING,
    /** Connected and healthy: calls go through. */
    RUNNING,
    /** Being stopped on request. */
    STOPPING,
    /** Stopped on request; {@code start} runs it again. */
    STOPPED,
    /** Its process exited or stopped answering while it should have been running. */
    CRASHED,
    /**
     * A remote plugin (served elsewhere, {@code "remote"} in its {@code plugin.json}) that this host cannot
     * reach any more, or could not reach at its start: its connection failed, or its health checks or calls
     * did. What CRASHED is for a process, without one: nothing is killed or reaped. Followed by RESTARTING
     * (a new connection after the restart policy's back-off) or, past the policy, FAILED.
     */
    UNREACHABLE,
    /** Waiting out the back-off before the next start. */
    RESTARTING,
    /**
     * Given up on: a bad manifest, too many restarts, or a start that cannot succeed as it is (a
     * {@linkplain dev.outpost.PluginStartException#permanent() permanent} failure such as a wrong
     * magic cookie); {@code restart} or {@code enable} tries again, and so does a changed file in a
     * watched directory.
     */
    FAILED,
    /** Switched off by the application; {@code enable} starts it. */
    DISABLED;

    private static final Map<PluginState, Set<PluginState>> MOVES = new EnumMap<>(PluginState.class);

    static {
        MOVES.put(LOADING, EnumSet.of(STARTING, STOPPED, FAILED, DISABLED));
        MOVES.put(STARTING, EnumSet.of(RUNNING, CRASHED, UNREACHABLE, STOPPING, FAILED));
        MOVES.put(RUNNING, EnumSet.of(RUNNING, STOPPING, CRASHED, UNREACHABLE));
        MOVES.put(STOPPING, EnumSet.of(STOPPED, DISABLED));
        MOVES.put(STOPPED, EnumSet.of(STARTING, DISABLED, LOADING));
        MOVES.put(CRASHED, EnumSet.of(RESTARTING, FAILED, STOPPED, DISABLED));
        MOVES.put(UNREACHABLE, EnumSet.of(RESTARTING, FAILED, STOPPED, DISABLED));
        MOVES.put(RESTARTING, EnumSet.of(STARTING, STOPPED, DISABLED));
        MOVES.put(FAILED, EnumSet.of(STARTING, LOADING, STOPPED, DISABLED));
        MOVES.put(DISABLED, EnumSet.of(STARTING, LOADING));
    }

    /** Whether the manager may move a plugin from this state to {@code next}. */
    public boolean canMoveTo(PluginState next) {
        return MOVES.get(this).contains(next);
    }

    /** States in which the plugin has a live process that takes calls. */
    public boolean isServing() {
        return this == RUNNING;
    }
}
