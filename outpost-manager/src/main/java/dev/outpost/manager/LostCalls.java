package dev.outpost.manager;

import dev.outpost.PluginUnavailableException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.net.ConnectException;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * What a stable handle makes of a call that failed because the plugin's connection failed: made again
 * on the next process, when it cannot have reached the plugin, or failed with a {@link
 * PluginUnavailableException} that says what happened, never with gRPC's own words ("Channel
 * shutdownNow invoked", "io exception"...), which speak of a channel the caller never saw.
 *
 * <p>A call is made again only when it certainly did not reach the plugin: the process's exit had been
 * seen before the call was sent, or the connection refused it (nothing was sent on a connection that
 * was never made). Any other call may have run, wholly or in part, or may be the very call that made the
 * plugin crash: making it again could run it twice, or crash the new process too.
 */
final class LostCalls {

    private LostCalls() {
    }

    /** Whether {@code failure} is the connection failing (not the plugin's answer, nor a deadline). */
    static boolean connectionFailure(Throwable failure) {
        if (failure instanceof PluginUnavailableException) {
            return true;
        }
        Status status = failure instanceof StatusRuntimeException e ? e.getStatus()
                : failure instanceof StatusException e ? e.getStatus() : null;
        return status != null && (status.getCode() == Status.Code.UNAVAILABLE
                || status.getCode() == Status.Code.CANCELLED);
    }

    /**
     * What becomes of a call on {@code used}, sent at {@code sentAt} ({@link System#nanoTime()}), that
     * failed with {@code failure}, a {@linkplain #connectionFailure failure of the connection}. The
     * connection fails a moment before the exit is reaped, but gRPC waited that moment before it failed
     * the call, and every process the manager gives up (a crash, a stop, a reload) is marked so before
     * it is closed.
     *
     * @return null when the call cannot have reached the plugin, to be made again on its next process;
     *         {@code failure} itself when the process still serves (then it is the plugin's answer); else
     *         a {@link PluginUnavailableException} that says what became of the process
     */
    static Throwable outcome(ManagedPlugin plugin, Generation used, long sentAt, String method, Throwable failure) {
        plugin.exitIfGone(used);
        String how = used.retired();
        if (how == null && used.client.exited()) {
            how = used.client.onExit().join().describe();
        }
        if (how == null) {
            return failure;
        }
        if (used.exitSeenBefore(sentAt) || refused(failure)) {
            return null;
        }
        return new PluginUnavailableException(plugin.id(), mayHaveRun(plugin.id(), used.client.pid(), how, method,
                plugin.state().toString()), failure);
    }

    /** Whether a connection attempt was refused somewhere under {@code failure}. */
    static boolean refused(Throwable failure) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable cause = failure; cause != null && seen.put(cause, true) == null; cause = cause.getCause()) {
            if (cause instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The reason of a call that may have reached a process the manager gave up or saw exit.
     *
     * @param how    how the process ended ("was killed by signal 9 (SIGKILL)") or why it was given up
     * @param method the call, e.g. {@code Sensor.read}
     * @param now    where the plugin is now, e.g. "RESTARTING (restart 2)"
     */
    static String mayHaveRun(String id, long pid, String how, String method, String now) {
        return "plugin '" + id + "' (" + (pid < 0 ? "remote" : "pid " + pid) + ") " + how + " during " + method
                + "; the call may have reached it, so it was not made again; the plugin is " + now;
    }
}
