package dev.outpost.manager;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * Launches the manager's plugin processes, a few at a time, until it is closed. Closing refuses every
 * launch after it and interrupts those under way (a launch waiting for the plugin's handshake kills
 * the process and fails), so that a manager closing while its plugins start need not wait for each
 * of them to come up only to stop it.
 */
final class Launcher {

    private final Semaphore starts;
    /** Threads in {@link #launch}, each with whether {@link #close} interrupted it. Guarded by itself. */
    private final Map<Thread, Boolean> launching = new HashMap<>();
    private volatile boolean closed;

    /** @param parallel how many launches may run at the same time */
    Launcher(int parallel) {
        this.starts = new Semaphore(parallel);
    }

    /**
     * Runs {@code start}, once fewer than the allowed number of other launches run.
     *
     * @return what {@code start} made, or empty when the launcher was closed before or during it: then
     *         whatever {@code start} threw is dropped, as its cause is the close
     * @throws Interrupted when the calling thread is interrupted while it waits for its turn
     */
    <T> Optional<T> launch(Supplier<T> start) {
        Thread self = Thread.currentThread();
        synchronized (launching) {
            if (closed) {
                return Optional.empty();
            }
            launching.put(self, false);
        }
        try {
            try {
                starts.acquire();
            } catch (InterruptedException e) {
                if (closed) {
                    return Optional.empty();
                }
                Thread.currentThread().interrupt();
                throw new Interrupted(e);
            }
            try {
                // The close may have come while this waited and found the permit free before its
                // interrupt: a launch that would begin after the close never does.
                if (closed) {
                    return Optional.empty();
                }
                return Optional.of(start.get());
            } catch (RuntimeException e) {
                if (closed) {
                    return Optional.empty();
                }
                throw e;
            } finally {
                starts.release();
            }
        } finally {
            synchronized (launching) {
                if (launching.remove(self)) {
                    // The interrupt was the close's, sent to end this launch: not the caller's to see.
                    Thread.interrupted();
                }
            }
        }
    }

    /**
     * The thread that asked for a launch was interrupted while it waited for its turn: nothing was
     * launched, and the thread's interrupt status is set again.
     */
    static final class Interrupted extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Interrupted(InterruptedException cause) {
            super("interrupted while waiting for a launch slot", cause);
        }
    }

    /** Refuses every launch from now on and interrupts those under way. Idempotent. */
    void close() {
        synchronized (launching) {
            closed = true;
            launching.replaceAll((thread, interrupted) -> {
                thread.interrupt();
                return true;
            });
        }
    }
}
