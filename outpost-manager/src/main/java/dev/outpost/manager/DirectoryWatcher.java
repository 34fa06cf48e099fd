package dev.outpost.manager;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the plugins directory (and each plugin folder) and tells the manager which entry changed,
 * once it has settled: every event restarts the entry's timer, so a file being copied is acted on
 * only after the copy is done.
 */
final class DirectoryWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DirectoryWatcher.class);

    private final PluginManager manager;
    private final Path root;
    private final Duration settle;
    private final WatchService service;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            dev.outpost.internal.grpc.Transport.daemonThreads("outpost-watch-settle"));
    private final Map<Path, ScheduledFuture<?>> pending = new ConcurrentHashMap<>();
    private final Map<WatchKey, Path> keys = new ConcurrentHashMap<>();
    private Thread thread;

    DirectoryWatcher(PluginManager manager, PluginDirectory directory, Duration settle) {
        this.manager = manager;
        this.root = directory.directory().toAbsolutePath();
        this.settle = settle;
        try {
            this.service = FileSystems.getDefault().newWatchService();
            register(root);
            try (Stream<Path> entries = Files.list(root)) {
                entries.filter(Files::isDirectory).forEach(this::register);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot watch " + root, e);
        }
    }

    private void register(Path dir) {
        try {
            keys.put(dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                    StandardWatchEventKinds.ENTRY_MODIFY), dir);
        } catch (IOException e) {
            LOG.warn("cannot watch {}: {}", dir, e.toString());
        }
    }

    void start() {
        thread = new Thread(this::run, "outpost-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = service.take();
                Path dir = keys.get(key);
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (dir == null || event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        continue;
                    }
                    Path changed = dir.resolve((Path) event.context());
                    // A change inside a plugin folder is a change of that folder's plugin.
                    Path entry = dir.equals(root) ? changed : dir;
                    if (dir.equals(root) && event.kind() == StandardWatchEventKinds.ENTRY_CREATE
                            && Files.isDirectory(changed)) {
                        register(changed);
                    }
                    debounce(entry);
                }
                if (!key.reset()) {
                    keys.remove(key);
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    private void debounce(Path entry) {
        ScheduledFuture<?> next = timer.schedule(() -> {
            pending.remove(entry);
            try {
                manager.entryChanged(entry);
            } catch (RuntimeException e) {
                LOG.warn("handling a change of {} failed", entry, e);
            }
        }, settle.toMillis(), TimeUnit.MILLISECONDS);
        ScheduledFuture<?> previous = pending.put(entry, next);
        if (previous != null) {
            previous.cancel(false);
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            LOG.debug("closing the watch service: {}", e.toString());
        }
        timer.shutdownNow();
        if (thread != null) {
            thread.interrupt();
        }
    }
}
