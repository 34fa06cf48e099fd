package dev.outpost.host;

import dev.outpost.PluginStartException;
import dev.outpost.internal.grpc.Transport;
import dev.outpost.PluginStartException.Kind;
import dev.outpost.internal.grpc.UnixSocketDir;
import dev.outpost.HandshakeConfig;
import dev.outpost.internal.wire.LineSplitter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One launched plugin process: its environment, its two output pipes (drained from the first
 * millisecond by daemon threads), the wait for its handshake line, and the escalating stop.
 */
final class PluginProcess {

    /** A line that wants to be a handshake: it starts with a number and a bar. Anything else is noise. */
    private static final Pattern HANDSHAKE_CANDIDATE = Pattern.compile("^\\s*-?\\d+\\|.*");
    private static final int MAX_NOISE_LINES_KEPT = 5;
    /** Noise lines logged one by one; a plugin flooding stdout before its handshake must not flood the log. */
    private static final int MAX_NOISE_LINES_LOGGED = 20;
    /**
     * Every process a plugin starts inherits this variable; the host finds and kills them by it even
     * when they were orphaned (their parent exited), as a process tree walk cannot.
     */
    static final String INSTANCE_ENV = "OUTPOST_PLUGIN_INSTANCE";
    /** Test hook: runs after the checksum was verified and before the copy is launched. */
    static volatile java.util.function.Consumer<Path> afterChecksumVerified = path -> { };
    private static final Logger LOG = LoggerFactory.getLogger(PluginProcess.class);
    /**
     * How long the stderr reader waits after a read that did not fill its buffer, so that a chatty plugin's
     * lines arrive in batches. go-plugin plugins commonly log a line per call (at debug or trace): read as
     * they come, every line wakes this thread, and the wake-up, paid by the plugin's write and this
     * thread's read, costs both processes more than the line itself (benchmarks/README.md, "a plugin's log
     * lines read in batches"). A line is at most this late; a plugin writing faster than its pipe holds in
     * this time fills the buffer, and a full read does not wait.
     */
    private static final long STDERR_BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final String name;
    private final List<String> command;
    /** Whose magic cookie the plugin got, for an error that says which one it refused. */
    private final HandshakeConfig cookie;
    private final long launchedAt;
    private volatile long exitedAt;
    private final Process process;
    /** The runner's view of the process: address translation, exit reasons, what to release. */
    private final Runner.Launched launched;
    private final UnixSocketDir sockets;
    /** Where the verified copy of a checksummed executable lives: the socket directory unless a group shares it. */
    private final Path copyDir;
    /** The cgroup of a plugin with limits, else null. */
    private final PluginCgroup cgroup;
    private final PluginOutput output;
    private final CompletableFuture<String> handshake = new CompletableFuture<>();
    private final List<String> noise = Collections.synchronizedList(new ArrayList<>());
    private final Thread stdoutReader;
    private final Thread stderrReader;
    private final Logger stdoutLogger;
    private final String instance;
    /** Kills the plugin and what it started if this host dies; null where there is none. */
    private final OrphanGuard guard;
    private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicLong noiseLines = new java.util.concurrent.atomic.AtomicLong();

    PluginProcess(ClientConfig config, long launchedAt, Runner.Launched launched, UnixSocketDir sockets,
                  Path copyDir, PluginCgroup cgroup, PluginOutput output, Logger stdoutLogger, String instance,
                  OrphanGuard guard) {
        this.name = config.name();
        this.instance = instance;
        this.guard = guard;
        this.command = config.command();
        this.cookie = config.handshake();
        this.launchedAt = launchedAt;
        this.launched = launched;
        this.process = launched.process();
        this.sockets = sockets;
        this.copyDir = copyDir;
        this.cgroup = cgroup;
        this.output = output;
        this.stdoutLogger = stdoutLogger;
        ThreadFactory threads = Transport.daemonThreads("outpost-" + name);
        Process process = this.process;
        this.stdoutReader = threads.newThread(() -> drain(process.getInputStream(), true));
        this.stderrReader = threads.newThread(() -> drain(process.getErrorStream(), false));
        stdoutReader.setName("outpost-" + name + "-stdout");
        stderrReader.setName("outpost-" + name + "-stderr");
        stdoutReader.start();
        stderrReader.start();
        // A child that inherited stdout keeps the pipe open after the plugin exited, so the end of
        // stdout may never come: the exit ends the wait too, after a moment for a line still in the pipe.
        process.onExit().thenRun(() -> {
            exitedAt = System.nanoTime();
            CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS)
                    .execute(() -> handshake.completeExceptionally(new IOException("process exited")));
        });
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    /**
     * Waits for the handshake line. Lines before it that cannot be a handshake are logged as warnings
     * and skipped (a stray print at start-up must not break a plugin); they are quoted in errors.
     */
    String awaitHandshake(Duration timeout) {
        try {
            return handshake.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw failure("did not print its handshake line within " + timeout.toMillis() + " ms", null,
                    Kind.TIMED_OUT);
        } catch (ExecutionException e) {
            PluginExit exit = awaitExit(Duration.ofSeconds(2));
            if (exit == null) {
                throw failure("closed its stdout without printing a handshake line", null, Kind.OTHER);
            }
            forceStop(); // the readers are done: all of stderr is in the tail
            // The exit hook may not have run yet; then the process ended just now at the latest.
            long ended = exitedAt != 0 ? exitedAt : System.nanoTime();
            // The exception's line may be far above the tail: it shows a crash, not a refused cookie.
            List<String> stderr = new ArrayList<>(output.cause());
            stderr.addAll(output.tail());
            StartFailures.Verdict verdict = StartFailures.ofExit(exit, Duration.ofNanos(ended - launchedAt),
                    noiseLines.get() > 0, stderr, cookie);
            throw describe(exit.describe() + " before its handshake" + verdict.explanation(), null, verdict.kind());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure("start interrupted", e, Kind.OTHER);
        }
    }

    /**
     * A start failure, with what was printed, the exception on stderr and the stderr tail, after making
     * sure the process is gone.
     */
    PluginStartException failure(String what, Throwable cause, Kind kind) {
        forceStop();
        return describe(what, cause, kind);
    }

    private PluginStartException describe(String what, Throwable cause, Kind kind) {
        StringBuilder message = new StringBuilder("plugin '").append(name).append("' (")
                .append(String.join(" ", command)).append(") ").append(what);
        List<String> printed = List.copyOf(noise);
        if (!printed.isEmpty()) {
            message.append("\nit printed on stdout instead of a handshake:");
            printed.forEach(line -> message.append("\n  > ").append(line));
            long more = noiseLines.get() - printed.size();
            if (more > 0) {
                message.append("\n  (and ").append(more).append(" more lines)");
            }
        }
        List<String> tail = output.tail();
        List<String> why = output.cause();
        if (!why.isEmpty() && !tail.containsAll(why)) {
            message.append("\nthe exception on its stderr, above the last lines:");
            why.forEach(line -> message.append("\n  | ").append(line));
        }
        return new PluginStartException(name, message.toString(), tail, cause, kind);
    }


    /** The exit, or null if the process is still running after {@code timeout}. */
    PluginExit awaitExit(Duration timeout) {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return exit(process.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    /**
     * Stops the process: it was asked to shut down already; wait {@code grace}, then SIGTERM and wait
     * {@code grace} again, then SIGKILL. Whatever it started is killed too. Reaps it, lets the readers
     * finish and removes its socket directory.
     */
    PluginExit stop(Duration grace) {
        List<ProcessHandle> descendants = process.descendants().toList();
        PluginExit exit = awaitExit(grace);
        if (exit == null) {
            LOG.warn("plugin '{}' (pid {}) did not exit within {} ms of the shutdown request; sending SIGTERM",
                    name, process.pid(), grace.toMillis());
            process.toHandle().destroy();
            exit = awaitExit(grace);
        }
        if (exit == null) {
            LOG.warn("plugin '{}' (pid {}) ignored SIGTERM; killing it", name, process.pid());
            process.toHandle().destroyForcibly();
            exit = awaitExit(Duration.ofSeconds(10));
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
        killStragglers();
        finish();
        return exit;
    }

    /**
     * Kills the process and everything it started, without asking. Signals go through the process's
     * handle: {@code Process.destroy} also closes the pipes, and a line the plugin wrote just before it
     * died would be lost to the readers (and to the error message quoting its stderr).
     */
    void forceStop() {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.toHandle().destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        awaitExit(Duration.ofSeconds(10));
        killStragglers();
        finish();
    }

    /**
     * Kills what the plugin started and left behind, found by {@link #INSTANCE_ENV} in
     * {@code /proc/<pid>/environ} (Linux; readable for this user's processes only). A child whose
     * parent already exited is no longer a descendant, so {@link Process#descendants()} misses it.
     */
    void killStragglers() {
        byte[] marker = (INSTANCE_ENV + "=" + instance + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long self = ProcessHandle.current().pid();
        if (!Files.isDirectory(Path.of("/proc/self"))) {
            return;
        }
        ProcessHandle.allProcesses().filter(p -> p.pid() != self).forEach(p -> {
            byte[] environ;
            try {
                environ = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "environ"));
            } catch (IOException | SecurityException e) {
                return;
            }
            if (indexOf(environ, marker) >= 0) {
                LOG.warn("plugin '{}' left process {} running ({}); killing it", name, p.pid(),
                        p.info().commandLine().orElse("?"));
                p.destroyForcibly();
            }
        });
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            // The variable must start an entry, not end another one's value.
            if (i == 0 || haystack[i - 1] == 0) {
                return i;
            }
        }
        return -1;
    }

    private void finish() {
        joinReader(stdoutReader);
        joinReader(stderrReader);
        cleanUp();
    }

    /** A socket the plugin made outside its directory, for the guard to remove too if the host dies. */
    void guard(Path socket) {
        if (guard != null) {
            guard.alsoRemove(socket);
        }
    }

    /**
     * What a plugin that exited on its own leaves, when nothing else will clean it: the processes it
     * started, its socket directory and the verified copy's; and its guard goes.
     */
    void exitedOnItsOwn() {
        killStragglers();
        cleanUp();
    }

    private void cleanUp() {
        if (guard != null) {
            guard.close();
        }
        sockets.close();
        UnixSocketDir.deleteRecursively(copyDir);
        if (cgroup != null) {
            cgroup.remove();
        }
        if (released.compareAndSet(false, true)) {
            try {
                launched.release();
            } catch (RuntimeException e) {
                LOG.warn("plugin '{}': the runner could not release what it made for pid {}: {}", name,
                        process.pid(), e.toString());
            }
        }
    }

    /**
     * How the process ended with {@code status}, and why when its limits or its runner know: read before its
     * cgroup is removed, which happens only after the exit was handled.
     */
    PluginExit exit(int status) {
        PluginExit exit = new PluginExit(status, process.pid());
        Optional<String> reason = cgroup != null ? cgroup.exitReason() : Optional.empty();
        if (reason.isEmpty()) {
            reason = launched.exitReason(exit);
        }
        return reason.map(why -> new PluginExit(status, process.pid(), Optional.of(why))).orElse(exit);
    }

    /** What its processes use, while it runs with limits. */
    Optional<ResourceUsage> usage() {
        return cgroup != null ? cgroup.usage() : Optional.empty();
    }

    /** The runner's view of this process. */
    Runner.Launched launched() {
        return launched;
    }

    private void joinReader(Thread reader) {
        try {
            // A grandchild that inherited the pipes can keep them open; do not wait for it forever.
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (reader.isAlive()) {
            try {
                (reader == stdoutReader ? process.getInputStream() : process.getErrorStream()).close();
            } catch (IOException ignored) {
                // closing is best effort
            }
        }
    }

    UnixSocketDir sockets() {
        return sockets;
    }

    private void drain(InputStream in, boolean isStdout) {
        LineSplitter splitter = new LineSplitter(LineSplitter.DEFAULT_MAX_LINE,
                isStdout ? (line, truncated) -> stdoutLine(line) : output::stderr);
        byte[] buffer = new byte[8192];
        try (in) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                splitter.feed(buffer, 0, read);
                if (!isStdout && read < buffer.length) {
                    LockSupport.parkNanos(STDERR_BATCH_NANOS);
                }
            }
        } catch (IOException e) {
            LOG.trace("plugin '{}': {} closed: {}", name, isStdout ? "stdout" : "stderr", e.toString());
        } finally {
            splitter.finish();
            if (isStdout) {
                handshake.completeExceptionally(new IOException("stdout closed"));
            }
        }
    }

    private void stdoutLine(String line) {
        if (handshake.isDone()) {
            output.stdout(line);
        } else if (HANDSHAKE_CANDIDATE.matcher(line).matches()) {
            handshake.complete(line);
        } else {
            long count = noiseLines.incrementAndGet();
            if (count <= MAX_NOISE_LINES_LOGGED) {
                stdoutLogger.warn("plugin '{}' printed on stdout before its handshake line: {}", name, line);
            } else if (count == MAX_NOISE_LINES_LOGGED + 1) {
                stdoutLogger.warn("plugin '{}' keeps printing on stdout before its handshake line; "
                        + "further lines are not logged", name);
            }
            if (noise.size() < MAX_NOISE_LINES_KEPT) {
                noise.add(line);
            }
        }
    }
}
