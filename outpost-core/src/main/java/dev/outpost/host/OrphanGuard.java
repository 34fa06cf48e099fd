package dev.outpost.host;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure a plugin does not outlive its host, whatever the plugin's language and however the host
 * dies (SIGKILL included, which runs no shutdown hook). A small shell process per plugin reads a pipe
 * whose other end only the host holds: the kernel closes it when the host is gone, and the guard then
 * kills every process that carries the plugin's instance marker ({@code OUTPOST_PLUGIN_INSTANCE} in its
 * environment, inherited by everything the plugin starts): the plugin, its children, and those that
 * left its process group ({@code setsid}) or lost their parent. A host that stops the plugin itself
 * tells the guard to stop.
 *
 * <p>Linux only, where {@code /proc} shows each process's environment; elsewhere no guard is started, and
 * only a Java plugin leaves with its host (it watches its parent), as with go-plugin. A process that
 * clears its environment escapes the marker.
 */
final class OrphanGuard implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OrphanGuard.class);

    /** How long {@link #close} waits for the guard to exit; told to stop, it exits at once. */
    private static final long EXIT_WAIT_MS = 2_000;

    /*
     * $1 is the marker, VARIABLE=value; $2 the plugin's socket directory; $3 the plugin's pid. Lines
     * "file PATH" name more to remove, lines "cgroup DIR" cgroups to empty and remove. The guard ignores
     * the signals a terminal or a shutdown sends to the host's whole group (Ctrl-C, hang-up, TERM): it goes
     * only when told to, or when the host is gone. It
     * kills the plugin first, then looks for the marker in every other process's environment, but for
     * the dying host's and plugin's: reading a dying process's environment waits until its memory is freed.
     */
    private static final String SCRIPT = "trap '' INT HUP TERM QUIT\n"
            + "host=$PPID files=$2 cgroups=\n"
            + "while read -r word path; do\n"
            + "  case $word in\n"
            + "    stop) exit 0 ;;\n"
            + "    file) files=\"$files\n$path\" ;;\n"
            + "    cgroup) cgroups=\"$cgroups\n$path\" ;;\n"
            + "  esac\n"
            + "done\n"
            + "kill -9 \"$3\" 2>/dev/null\n"
            + "environs=\n"
            + "for dir in /proc/[0-9]*; do\n"
            + "  case ${dir#/proc/} in \"$host\"|\"$3\"|$$) ;; *) environs=\"$environs $dir/environ\" ;; esac\n"
            + "done\n"
            + "grep -lsxzF \"$1\" $environs | while read -r file; do\n"
            + "  pid=${file#/proc/}; kill -9 \"${pid%/environ}\" 2>/dev/null\n"
            + "done\n"
            + "printf '%s\\n' \"$files\" | while read -r file; do [ -n \"$file\" ] && rm -rf -- \"$file\"; done\n"
            // A cgroup goes once the processes killed above have left it: a moment after their SIGKILL.
            + "printf '%s\\n' \"$cgroups\" | while read -r dir; do\n"
            + "  [ -n \"$dir\" ] || continue\n"
            + "  for try in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do\n"
            + "    xargs -r kill -9 < \"$dir/cgroup.procs\" 2>/dev/null; rmdir -- \"$dir\" 2>/dev/null && break; sleep 0.1\n"
            + "  done\n"
            + "done\n";

    private final Process guard;

    private OrphanGuard(Process guard) {
        this.guard = guard;
    }

    /**
     * A guard for the plugin {@code pid}, the processes marked {@code variable=value} and the plugin's socket
     * directory, or null where there can be none.
     */
    static OrphanGuard start(String name, long pid, String variable, String value, Path socketDir) {
        if (!Files.isDirectory(Path.of("/proc/self")) || !Files.isExecutable(Path.of("/bin/sh"))) {
            return null;
        }
        List<String> command = new ArrayList<>();
        // A session of its own, so that a signal to the host's process group does not reach it.
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid");
        }
        command.addAll(List.of("/bin/sh", "-c", SCRIPT, "outpost-orphan-guard", variable + "=" + value,
                socketDir.toString(), Long.toString(pid)));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        // Without the host's environment: the guard must carry no marker of its own.
        String path = builder.environment().getOrDefault("PATH", "/usr/bin:/bin");
        builder.environment().clear();
        builder.environment().put("PATH", path);
        try {
            return new OrphanGuard(builder.start());
        } catch (IOException e) {
            LOG.warn("plugin '{}': cannot start the guard that stops the plugin if this host dies: {}", name,
                    e.getMessage());
            return null;
        }
    }

    /** Also removes {@code file} if the host dies (a socket the plugin made outside its directory). */
    synchronized void alsoRemove(Path file) {
        tell("file " + file);
    }

    /** Also removes the cgroup {@code dir} if the host dies, once what is in it is killed. */
    synchronized void alsoRemoveCgroup(Path dir) {
        tell("cgroup " + dir);
    }

    /**
     * The host stops the plugin itself: the guard goes, without killing or removing anything. Returns once
     * the guard's process has exited (it does at once), so that a stopped plugin leaves no process behind.
     */
    @Override
    public synchronized void close() {
        tell("stop");
        try {
            guard.getOutputStream().close();
        } catch (IOException e) {
            guard.destroyForcibly();
        }
        try {
            if (!guard.waitFor(EXIT_WAIT_MS, TimeUnit.MILLISECONDS)) {
                LOG.debug("the orphan guard did not exit within {} ms; killing it", EXIT_WAIT_MS);
                guard.destroyForcibly();
            }
        } catch (InterruptedException e) {
            guard.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void tell(String line) {
        try {
            OutputStream pipe = guard.getOutputStream();
            pipe.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            pipe.flush();
        } catch (IOException e) {
            LOG.debug("the orphan guard is gone: {}", e.getMessage());
        }
    }

    /** The guard's process, for tests. */
    Process process() {
        return guard;
    }
}
