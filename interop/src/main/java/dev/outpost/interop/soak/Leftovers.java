package dev.outpost.interop.soak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a run may leave behind, compared with before it: processes descending from this JVM, and in the
 * temporary directories (java.io.tmpdir and TMPDIR) the hosts' socket directories ({@code outpost-*})
 * and go-plugin's sockets ({@code plugin<digits>}).
 */
final class Leftovers {

    private static final Pattern OURS = Pattern.compile("outpost-.*|plugin\\d+");

    private final Set<Long> processesBefore;
    private final List<Path> tempDirs;
    private final Set<Path> entriesBefore;

    private Leftovers(Set<Long> processesBefore, List<Path> tempDirs, Set<Path> entriesBefore) {
        this.processesBefore = processesBefore;
        this.tempDirs = tempDirs;
        this.entriesBefore = entriesBefore;
    }

    /** What there is before the run. */
    static Leftovers before() {
        Set<Path> dirs = new LinkedHashSet<>();
        dirs.add(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize());
        String tmpdir = System.getenv("TMPDIR");
        dirs.add(Path.of(tmpdir == null || tmpdir.isEmpty() ? "/tmp" : tmpdir).toAbsolutePath().normalize());
        List<Path> tempDirs = List.copyOf(dirs);
        Set<Long> processes = new LinkedHashSet<>();
        ProcessHandle.current().descendants().forEach(process -> processes.add(process.pid()));
        return new Leftovers(processes, tempDirs, entries(tempDirs));
    }

    List<Path> tempDirs() {
        return tempDirs;
    }

    /**
     * What the run left: processes still alive after {@code graceMillis} (a process being reaped when the
     * manager returned gets that long), and new temporary entries, each described on one line.
     */
    Found after(long graceMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        List<ProcessHandle> fresh = ProcessHandle.current().descendants()
                .filter(process -> !processesBefore.contains(process.pid())).toList();
        int atClose = fresh.size();
        List<String> processes = new ArrayList<>();
        for (ProcessHandle process : fresh) {
            try {
                process.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                processes.add("pid " + process.pid() + ": " + process.info().commandLine().orElse("?"));
            } catch (ExecutionException e) {
                processes.add("pid " + process.pid() + ": cannot tell whether it exited: " + e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                processes.add("pid " + process.pid() + ": not waited for (interrupted)");
            }
        }
        List<String> files = new ArrayList<>();
        for (Path entry : entries(tempDirs)) {
            if (!entriesBefore.contains(entry)) {
                files.add(entry.toString());
            }
        }
        return new Found(atClose, processes, files);
    }

    private static Set<Path> entries(List<Path> dirs) {
        Set<Path> found = new LinkedHashSet<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> list = Files.list(dir)) {
                list.filter(entry -> OURS.matcher(entry.getFileName().toString()).matches()).forEach(found::add);
            } catch (IOException e) {
                throw new UncheckedIOException("soak: cannot list " + dir, e);
            }
        }
        return found;
    }

    /**
     * @param atClose   descendants alive the moment the manager's close returned
     * @param processes those still alive after the grace period
     * @param files     socket directories and sockets left in the temporary directories
     */
    record Found(int atClose, List<String> processes, List<String> files) {
        int total() {
            return processes.size() + files.size();
        }
    }
}
