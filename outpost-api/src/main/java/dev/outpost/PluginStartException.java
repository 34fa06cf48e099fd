package dev.outpost;

import java.util.List;
import java.util.Objects;

/**
 * A plugin could not be started: its command could not run, it exited or timed out before its
 * handshake, the handshake was invalid or incompatible, or its server did not answer. The process,
 * if one was started, is gone when this is thrown.
 *
 * <p>{@link #kind()} says what went wrong as far as the host could tell, and {@link #permanent()}
 * whether starting the same files with the same configuration again can succeed: a supervisor
 * retries a crash or a timeout, but not a wrong magic cookie or a missing command.
 */
public class PluginStartException extends PluginException {
    private static final long serialVersionUID = 1L;

    /** What kind of start failure this is; each is either {@link #permanent()} or worth a retry. */
    public enum Kind {
        /**
         * The plugin refused the host's magic cookie: it exited with status 1 at once, before any
         * handshake, and said so on stderr or printed nothing on stdout. Permanent.
         */
        COOKIE_MISMATCH(true),
        /**
         * Host and plugin share no protocol: no common application protocol version, another core
         * protocol version, netrpc, or a feature the host asked for and the plugin lacks. Permanent.
         */
        INCOMPATIBLE(true),
        /** The command (or a Java plugin's jar) does not exist, may not be executed, or is no program. Permanent. */
        CANNOT_EXECUTE(true),
        /** The executable does not have the configured checksum; it was not launched. Permanent. */
        CHECKSUM_MISMATCH(true),
        /**
         * A Java plugin's JVM cannot run its main class: the jar names none, the class is not on the
         * class path (a thin jar without its dependencies), has no {@code main}, or needs a newer Java.
         * Permanent.
         */
        NO_MAIN_CLASS(true),
        /**
         * Its {@link Runner} cannot run it on this machine as configured: a {@link Sandbox} without
         * bubblewrap or with a path that does not exist, {@link Limits} without a cgroup. The plugin is never
         * started without them. Permanent.
         */
        RUNNER_UNAVAILABLE(true),
        /** The plugin exited before its handshake for another reason: a crash, worth a retry. */
        EXITED(false),
        /** The plugin printed no handshake within the start timeout, worth a retry. */
        TIMED_OUT(false),
        /**
         * Anything else: an invalid handshake, a plugin that cannot be reached or does not answer its
         * health check, a problem on the host's side (its socket directory), a failed reattach. Worth
         * a retry.
         */
        OTHER(false);

        private final boolean permanent;

        Kind(boolean permanent) {
            this.permanent = permanent;
        }

        /** Whether a start with the same files and configuration must fail the same way. */
        public boolean permanent() {
            return permanent;
        }
    }

    private final List<String> stderrTail;
    private final Kind kind;

    /** A failure of kind {@link Kind#OTHER}. */
    public PluginStartException(String pluginName, String message, List<String> stderrTail, Throwable cause) {
        this(pluginName, message, stderrTail, cause, Kind.OTHER);
    }

    public PluginStartException(String pluginName, String message, List<String> stderrTail, Throwable cause,
                                Kind kind) {
        super(pluginName, message + formatTail(stderrTail), cause);
        this.stderrTail = List.copyOf(stderrTail);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** The last lines the plugin wrote on stderr before it failed, oldest first. */
    public List<String> stderrTail() {
        return stderrTail;
    }

    /** What went wrong, as far as the host could tell. */
    public Kind kind() {
        return kind;
    }

    /** Whether starting it again without changing its files or configuration must fail the same way. */
    public boolean permanent() {
        return kind.permanent();
    }

    private static String formatTail(List<String> tail) {
        if (tail.isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder("\nlast lines of the plugin's stderr:");
        tail.forEach(line -> text.append("\n  | ").append(line));
        return text.toString();
    }
}
