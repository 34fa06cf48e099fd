package dev.outpost.host;

import java.util.Objects;
import java.util.Optional;

/**
 * How a plugin process ended.
 *
 * @param exitCode the exit status; on Unix 128 + n when signal n killed it; -1 when unknown
 *                 (a reattached process is not this JVM's child)
 * @param pid      the process id it had; -1 for a remote plugin, which has no process here
 * @param reason   why it ended, when the host knows more than the status: {@code killed: memory limit 64 MB}
 *                 when its {@link Limits} killed it
 */
public record PluginExit(int exitCode, long pid, Optional<String> reason) {

    public PluginExit {
        Objects.requireNonNull(reason, "reason");
    }

    /** An exit without a known reason. */
    public PluginExit(int exitCode, long pid) {
        this(exitCode, pid, Optional.empty());
    }

    /** Whether it exited with status 0. */
    public boolean clean() {
        return exitCode == 0;
    }

    /**
     * "exited with status 1", "was killed by signal 9 (SIGKILL)"; with a reason, that first:
     * "killed: memory limit 64 MB (signal 9, SIGKILL)".
     */
    public String describe() {
        if (reason.isPresent()) {
            // A remote plugin has no process, so no status to add.
            return exitCode < 0 && pid < 0 ? reason.get() : reason.get() + " (" + status() + ")";
        }
        if (exitCode < 0) {
            return "exited";
        }
        if (exitCode > 128 && exitCode < 160) {
            int signal = exitCode - 128;
            return "was killed by signal " + signal + signalName(signal, " (", ")");
        }
        return "exited with status " + exitCode;
    }

    private String status() {
        if (exitCode > 128 && exitCode < 160) {
            int signal = exitCode - 128;
            return "signal " + signal + signalName(signal, ", ", "");
        }
        return "exit status " + exitCode;
    }

    private static String signalName(int signal, String before, String after) {
        String name = switch (signal) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 6 -> "SIGABRT";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 15 -> "SIGTERM";
            default -> null;
        };
        return name == null ? "" : before + name + after;
    }
}
