package dev.outpost.host;

import dev.outpost.PluginStartException.Kind;
import dev.outpost.HandshakeConfig;
import dev.outpost.HandshakeLine;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells a start failure that cannot heal from one that may, from what the plugin did before it
 * failed: a supervisor must not retry a wrong cookie or a jar without its classes five times.
 */
final class StartFailures {

    /**
     * A plugin that refuses the cookie does so before anything else (go-plugin checks it first thing
     * in {@code Serve}, Outpost's {@code PluginServer.serve} too), so it exits within this even in a
     * JVM on a busy machine. A plugin that ran longer got further and failed for another reason.
     */
    static final Duration AT_ONCE = Duration.ofSeconds(2);

    /** What plugins print on stderr when the cookie is wrong: go-plugin's, and PluginServer.NOT_A_PLUGIN. */
    private static final List<String> COOKIE_REFUSALS = List.of(
            "This binary is a plugin. These are not meant to be executed directly",
            "This program is a plugin: a host application starts it and talks to it.");

    /** Lines that show a plugin crashed on its way up rather than refused its cookie. */
    private static final List<String> CRASH_MARKERS = List.of(
            "panic: ", "fatal error: ", "Exception in thread \"", "Traceback (most recent call last):");

    /** What the JDK's launcher prints (and exits 1) when it cannot run a plugin's main class or jar. */
    private record JvmError(String prefix, Kind kind, String meaning) {
    }

    private static final List<JvmError> JVM_ERRORS = List.of(
            new JvmError("no main manifest attribute", Kind.NO_MAIN_CLASS,
                    "its jar names no Main-Class in its manifest"),
            new JvmError("Error: Could not find or load main class", Kind.NO_MAIN_CLASS,
                    "its main class is not on its class path (a thin jar without its classes?)"),
            new JvmError("Error: Main method not found in class", Kind.NO_MAIN_CLASS,
                    "its main class has no main method"),
            new JvmError("Error: LinkageError occurred while loading main class", Kind.NO_MAIN_CLASS,
                    "its main class cannot be loaded (built for a newer Java?)"),
            new JvmError("Error: Unable to access jarfile", Kind.CANNOT_EXECUTE,
                    "its jar does not exist or cannot be read"),
            new JvmError("Error: Invalid or corrupt jarfile", Kind.CANNOT_EXECUTE, "its jar is not a jar"));

    /**
     * errno values of a failed exec that another try cannot change (Linux numbers; the first four are
     * the same on macOS): ENOENT, ENOEXEC, EACCES, ENOTDIR, ELOOP. ENOMEM or EAGAIN may pass.
     */
    private static final Set<Integer> PERMANENT_EXEC_ERRORS = Set.of(2, 8, 13, 20, 40);
    /** The JDK reports a failed exec as "error=2, No such file or directory". */
    private static final Pattern EXEC_ERROR = Pattern.compile("error=(\\d+),");

    private StartFailures() {
    }

    /** What a plugin's exit before its handshake means, and the words to add after "exited with status n". */
    record Verdict(Kind kind, String explanation) {
    }

    /** Why the command could not be executed at all, from the exception of {@link ProcessBuilder#start()}. */
    static Kind ofLaunchError(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            Matcher errno = EXEC_ERROR.matcher(String.valueOf(cause.getMessage()));
            if (errno.find() && PERMANENT_EXEC_ERRORS.contains(Integer.parseInt(errno.group(1)))) {
                return Kind.CANNOT_EXECUTE;
            }
        }
        return Kind.OTHER;
    }

    /** An unparseable handshake is incompatible when it announces another core protocol, else maybe a fluke. */
    static Kind ofInvalidHandshake(String line) {
        String core = line.strip().split("\\|", 2)[0];
        try {
            return Integer.parseInt(core) != HandshakeLine.CORE_PROTOCOL_VERSION ? Kind.INCOMPATIBLE : Kind.OTHER;
        } catch (NumberFormatException e) {
            return Kind.OTHER;
        }
    }

    /**
     * What an exit before any handshake means.
     *
     * @param alive           how long the process ran
     * @param printedOnStdout whether it printed anything on stdout
     * @param stderr          the last lines of its stderr, all of them read
     * @param cookie          the handshake whose magic cookie the host put in its environment
     */
    static Verdict ofExit(PluginExit exit, Duration alive, boolean printedOnStdout, List<String> stderr,
                          HandshakeConfig cookie) {
        // The shell that puts a plugin with Limits into its cgroup cannot execute the command: 127, not
        // found; 126, not executable. Its message names it, as the JDK's would without limits.
        if ((exit.exitCode() == 126 || exit.exitCode() == 127)
                && stderr.stream().anyMatch(line -> line.startsWith(PluginCgroup.WRAPPER_NAME + ": "))) {
            return new Verdict(Kind.CANNOT_EXECUTE, ": its command cannot be executed");
        }
        if (exit.exitCode() != 1) {
            return new Verdict(Kind.EXITED, "");
        }
        // bubblewrap (a Sandbox) says what it could not do in one line, and exits with status 1.
        for (String line : stderr) {
            if (line.startsWith("bwrap: execvp ")) {
                return new Verdict(Kind.CANNOT_EXECUTE, ": the sandbox cannot execute its command");
            }
            if (line.startsWith("bwrap: ")) {
                return new Verdict(Kind.RUNNER_UNAVAILABLE, ": bubblewrap cannot set up its sandbox here");
            }
        }
        for (String line : stderr) {
            for (JvmError error : JVM_ERRORS) {
                if (line.strip().startsWith(error.prefix())) {
                    return new Verdict(error.kind(), ": " + error.meaning());
                }
            }
        }
        String sent = " the host set " + cookie.magicCookieKey() + "=" + cookie.magicCookieValue()
                + " in its environment";
        String agree = "; host and plugin must use the same magic cookie key and value";
        if (stderr.stream().anyMatch(line -> COOKIE_REFUSALS.stream().anyMatch(line.strip()::startsWith))) {
            return new Verdict(Kind.COOKIE_MISMATCH, ": magic cookie mismatch?" + sent
                    + ", and the plugin answered that it is a plugin meant to be started by its host" + agree);
        }
        // Not relying on go-plugin's words alone: other plugins word it otherwise, or not at all. A quick
        // exit with status 1 and nothing on stdout is how any of them refuses a cookie; but one that says
        // something else on stderr (a missing setting, a database down) may have failed for a reason a
        // later start does not meet, so only silence or a word about the cookie is taken for a refusal.
        boolean crashed = stderr.stream().anyMatch(line -> CRASH_MARKERS.stream().anyMatch(line::startsWith));
        boolean silent = stderr.stream().allMatch(String::isBlank);
        boolean aboutTheCookie = stderr.stream().anyMatch(line -> line.toLowerCase(Locale.ROOT).contains("cookie"));
        if (!printedOnStdout && !crashed && (silent || aboutTheCookie) && alive.compareTo(AT_ONCE) <= 0) {
            return new Verdict(Kind.COOKIE_MISMATCH, ": magic cookie mismatch?" + sent + ", and the plugin exited "
                    + "after " + alive.toMillis() + " ms without a word on stdout, as plugins do when the cookie "
                    + "is not theirs" + agree);
        }
        return new Verdict(Kind.EXITED, "");
    }
}
