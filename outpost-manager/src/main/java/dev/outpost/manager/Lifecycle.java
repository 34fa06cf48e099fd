package dev.outpost.manager;

/**
 * A manager's life: built, started once, closed once. {@code start()} and {@code close()} may come
 * from different threads at any time, and so may several closes: one close does the work and the
 * others wait for it, and a start that a close overtakes stops short and says so.
 *
 * <p>The start's steps that put plugins in place run under this object's monitor ({@link
 * #duringStart}), and so does the move to closing: a close comes either before such a step, which then
 * does not run, or after it, and then finds every plugin the step added. Whether the manager is closing
 * is also readable without the monitor ({@link #closing()}), for the plugins' threads, which must not
 * take it while they hold their own.
 */
final class Lifecycle {

    private enum Phase { NEW, STARTING, STARTED, CLOSING, CLOSED }

    /** A step of the start that may throw a checked exception (reading the directory). */
    @FunctionalInterface
    interface Step<T, E extends Exception> {
        T run() throws E;
    }

    private Phase phase = Phase.NEW;
    private volatile boolean closing;

    /**
     * Claims the one start.
     *
     * @throws IllegalStateException when started already (or starting), or closed
     */
    synchronized void start() {
        checkOpen("start");
        if (phase != Phase.NEW) {
            throw new IllegalStateException("plugin manager already started");
        }
        phase = Phase.STARTING;
    }

    /** The start failed before any plugin was added: it may be tried again. */
    synchronized void startFailed() {
        if (phase == Phase.STARTING) {
            phase = Phase.NEW;
        }
    }

    /**
     * Runs {@code step} unless the manager is closing; a close waits until it is done.
     *
     * @throws IllegalStateException when the manager closed while starting
     */
    synchronized <T, E extends Exception> T duringStart(Step<T, E> step) throws E {
        if (closing) {
            throw closedWhileStarting();
        }
        return step.run();
    }

    /**
     * The start is done: runs {@code last} and moves to started, unless the manager closed meanwhile.
     *
     * @return false, without running {@code last}, when it closed
     */
    synchronized boolean started(Runnable last) {
        if (closing) {
            return false;
        }
        last.run();
        phase = Phase.STARTED;
        return true;
    }

    IllegalStateException closedWhileStarting() {
        return new IllegalStateException("plugin manager closed while starting");
    }

    /**
     * Claims the one close. A later caller waits until the first one is done.
     *
     * @return true for the caller that is to close the manager (and then call {@link #closed()})
     */
    synchronized boolean beginClose() {
        if (!closing) {
            closing = true;
            phase = Phase.CLOSING;
            return true;
        }
        while (phase != Phase.CLOSED) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** The close is done: callers waiting in {@link #beginClose} go on. */
    synchronized void closed() {
        phase = Phase.CLOSED;
        notifyAll();
    }

    /** Whether a close has begun; without the monitor, for the plugins' threads. */
    boolean closing() {
        return closing;
    }

    /** @throws IllegalStateException naming {@code action} when a close has begun */
    void checkOpen(String action) {
        if (closing) {
            throw new IllegalStateException("plugin manager is closed; cannot " + action);
        }
    }
}
