package dev.outpost.plugin;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Notices that the host process is gone. A process whose parent dies is re-parented (to init or a
 * subreaper), so a change of parent pid means the host died, however it died (even SIGKILL, which
 * runs no shutdown hook in the host). Polling the parent pid is the one portable way the JDK offers.
 *
 * <p>A plugin started through a shell ({@code sh -c "$KV_PLUGIN"}, as go-plugin's examples and many
 * hosts start theirs) has the shell as its parent, which outlives the host: then the shell's own
 * parent is the host, and the shell being re-parented means the host died.
 */
final class HostWatch {

    private static final long POLL_MILLIS = 250;
    private static final Set<String> SHELLS = Set.of("sh", "dash", "bash", "ash", "zsh", "ksh", "mksh", "busybox");

    private HostWatch() {
    }

    static void start(Runnable onHostGone) {
        long parent = parentOf(ProcessHandle.current());
        if (parent <= 1) {
            return; // started by init or detached: there is no host to watch
        }
        Optional<ProcessHandle> shell = ProcessHandle.of(parent).filter(HostWatch::isShell);
        long host = shell.map(HostWatch::parentOf).orElse(-1L);
        Thread watcher = new Thread(() -> {
            try {
                while (parentOf(ProcessHandle.current()) == parent
                        && (host <= 1 || shell.map(HostWatch::parentOf).orElse(-1L) == host)) {
                    Thread.sleep(POLL_MILLIS);
                }
                onHostGone.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "outpost-host-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static long parentOf(ProcessHandle process) {
        return process.parent().map(ProcessHandle::pid).orElse(-1L);
    }

    private static boolean isShell(ProcessHandle process) {
        return process.info().command().map(command -> Path.of(command).getFileName().toString())
                .filter(SHELLS::contains).isPresent();
    }
}
