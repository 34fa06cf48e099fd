package dev.outpost.host;

/**
 * How a plugin process ended.
 *
 * @param exitCode the exit status; on Unix 128 + n when signal n killed it; -1 when unknown
 *                 (a reattached process is not this JVM's child)
 * @param pid      the process id it had
 */
public record PluginExit(int exitCode, long pid) {

    /** Whether it exited with status 0. */
    public boolean clean() {
        return exitCode == 0;
    }

    /** "exited with status 1", "was killed by signal 9 (SIGKILL)". */
    public String describe() {
        if (exitCode < 0) {
            return "exited";
        }
        if (exitCode > 128 && exitCode < 160) {
            int signal = exitCode - 128;
            return "was killed by signal " + signal + signalName(signal);
        }
        return "exited with status " + exitCode;
    }

    private static String signalName(int signal) {
        return switch (signal) {
            case 1 -> " (SIGHUP)";
            case 2 -> " (SIGINT)";
            case 6 -> " (SIGABRT)";
            case 9 -> " (SIGKILL)";
            case 11 -> " (SIGSEGV)";
            case 15 -> " (SIGTERM)";
            default -> "";
        };
    }
}
