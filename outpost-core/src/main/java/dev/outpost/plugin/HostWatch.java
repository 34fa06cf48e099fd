package dev.outpost.plugin;

/**
 * Notices that the host process is gone. A process whose parent dies is re-parented (to init or a
 * subreaper), so a change of parent pid means the host died, however it died (even SIGKILL, which
 * runs no shutdown hook in the host). Polling the parent pid is the one portable way the JDK offers.
 */
final class HostWatch {

    private static final long POLL_MILLIS = 250;

    private HostWatch() {
    }

    static void start(Runnable onHostGone) {
        long host = parentPid();
        if (host <= 1) {
            return; // started by init or detached: there is no host to watch
        }
        Thread watcher = new Thread(() -> {
            try {
                while (parentPid() == host) {
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

    private static long parentPid() {
        return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
    }
}
