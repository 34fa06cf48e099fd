package dev.outpost.benchmarks.harness;

import dev.outpost.interop.KvHost;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The bare-JVM rows of the harness: {@code BareJvmProbe [--cold N] [--idle-ms MS] -- CMD [ARGS...]}, CMD
 * a {@link BareJvm} (through {@code interop/java-plugin}, so with a Java plugin's JVM options and class data
 * sharing).
 * <ul>
 *   <li>{@code --cold N}: N launches of CMD, each timed from just before the process is started to the
 *   moment its {@code hi} line has been read (as a Java host times a plugin's cold start to its first
 *   {@code Get}); each process must then exit with 0: {@code BENCH bare_cold_start runs p50_ms mean_ms min_ms
 *   max_ms};</li>
 *   <li>{@code --idle-ms MS}: one launch of CMD with the argument {@code wait}; after its {@code hi} line, MS
 *   idle (the harness's plugins idle 2 s), then its RSS ({@code /proc/PID/status} VmRSS, as {@link HostProbe}
 *   measures a plugin's): {@code BENCH bare_idle rss_mb=...}; its standard input is then closed and it must
 *   exit with 0.</li>
 * </ul>
 * Ends with {@code PASS ...} (exit 0) or {@code FAIL ...} (exit 1); no process it started outlives it.
 */
public final class BareJvmProbe {

    private static final String USAGE = "usage: BareJvmProbe [--cold N] [--idle-ms MS] -- CMD [ARGS...]";

    /** How long a bare JVM may take to print its line, or to exit once asked to. */
    private static final long TIMEOUT_S = 30;

    /** A line of output and the {@link System#nanoTime()} it was read at. */
    private record Line(String text, long nanos) {
    }

    private BareJvmProbe() {
    }

    public static void main(String[] args) throws InterruptedException {
        int cold = 0;
        long idleMs = 0;
        List<String> command = new ArrayList<>();
        int i = 0;
        try {
            for (; i < args.length && !args[i].equals("--"); i++) {
                switch (args[i]) {
                    case "--cold" -> cold = Integer.parseInt(args[++i]);
                    case "--idle-ms" -> idleMs = Long.parseLong(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (RuntimeException e) {
            System.err.println("BareJvmProbe: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        }
        for (i++; i < args.length; i++) {
            command.add(args[i]);
        }
        if (command.isEmpty() || (cold <= 0 && idleMs <= 0)) {
            System.err.println(USAGE);
            System.exit(2);
        }
        try {
            List<String> done = new ArrayList<>();
            if (cold > 0) {
                long[] ns = new long[cold];
                for (int r = 0; r < cold; r++) {
                    ns[r] = coldStart(command);
                }
                System.out.println(KvHost.Bench.summary("bare_cold_start", ns, "%.1f"));
                done.add(cold + " cold starts");
            }
            if (idleMs > 0) {
                System.out.printf(Locale.ROOT, "BENCH bare_idle rss_mb=%.1f%n", idleRssKb(command, idleMs) / 1024.0);
                done.add("idle RSS after " + idleMs + " ms");
            }
            System.out.println("PASS bare JVM " + String.join(" ", command) + ": " + String.join(", ", done));
        } catch (IOException | IllegalStateException e) {
            System.out.println("FAIL bare JVM " + String.join(" ", command) + ": " + String.valueOf(e.getMessage())
                    .replace('\n', ' '));
            System.exit(1);
        }
    }

    /** Nanoseconds from just before the start of {@code command} to its {@code hi} line read. */
    private static long coldStart(List<String> command) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            long read = readHi(process, command);
            exited(process, command);
            return read - t0;
        } finally {
            process.destroyForcibly();
        }
    }

    /** The RSS in kB of {@code command wait} after its {@code hi} line and {@code idleMs} idle. */
    private static long idleRssKb(List<String> command, long idleMs) throws IOException, InterruptedException {
        List<String> waiting = new ArrayList<>(command);
        waiting.add("wait");
        Process process = new ProcessBuilder(waiting).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            readHi(process, waiting);
            // The idle period is the measurement (as HostProbe's for a plugin), not a wait for an event.
            Thread.sleep(idleMs);
            if (!process.isAlive()) {
                throw new IllegalStateException("the bare JVM exited (" + process.exitValue() + ") while idle");
            }
            long rss = HostProbe.rssKb(process.pid());
            process.getOutputStream().close();
            exited(process, waiting);
            return rss;
        } finally {
            process.destroyForcibly();
        }
    }

    /** Reads the process's first line, which must be {@code hi}: the {@link System#nanoTime()} it was read at. */
    private static long readHi(Process process, List<String> command) throws InterruptedException {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        // Read on another thread so that a JVM that never prints fails the probe instead of hanging it.
        CompletableFuture<Line> line = CompletableFuture.supplyAsync(() -> {
            try {
                String text = out.readLine();
                return new Line(text, System.nanoTime());
            } catch (IOException e) {
                throw new IllegalStateException("reading the output of " + command + ": " + e.getMessage(), e);
            }
        });
        try {
            Line read = line.get(TIMEOUT_S, TimeUnit.SECONDS);
            if (!"hi".equals(read.text())) {
                throw new IllegalStateException(command + " printed " + (read.text() == null
                        ? "nothing (its output ended)" : "\"" + read.text() + "\"") + " where \"hi\" was expected");
            }
            return read.nanos();
        } catch (TimeoutException e) {
            throw new IllegalStateException(command + " printed no line within " + TIMEOUT_S + " s", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(String.valueOf(e.getCause().getMessage()), e.getCause());
        }
    }

    private static void exited(Process process, List<String> command) throws InterruptedException {
        if (!process.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            throw new IllegalStateException(command + " did not exit within " + TIMEOUT_S + " s of being asked to");
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(command + " exited with " + process.exitValue());
        }
    }
}
