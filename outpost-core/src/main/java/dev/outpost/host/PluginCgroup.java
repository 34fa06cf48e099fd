package dev.outpost.host;

import dev.outpost.PluginStartException;
import dev.outpost.PluginStartException.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cgroup of one start of a plugin with {@link Limits}: made before the launch (the plugin joins it
 * before its program runs, see {@link #wrapper}), read for its usage and for why the plugin died,
 * removed once the plugin is gone. cgroup v1 (one directory per controller) where the controllers are
 * mounted, else v2 (one directory) in this host's own cgroup.
 */
final class PluginCgroup {

    private static final Logger LOG = LoggerFactory.getLogger(PluginCgroup.class);
    private static final long CPU_PERIOD_US = 100_000;

    private final Limits limits;
    private final boolean v2;
    /** The plugin's directory by controller; v2 has one, under every controller's name. */
    private final Map<String, Path> dirs;

    private PluginCgroup(Limits limits, boolean v2, Map<String, Path> dirs) {
        this.limits = limits;
        this.v2 = v2;
        this.dirs = dirs;
    }

    /**
     * Makes the cgroup and sets its limits.
     *
     * @throws PluginStartException ({@link Kind#RUNNER_UNAVAILABLE}) when it cannot be made, saying why;
     *                              nothing is left behind
     */
    static PluginCgroup create(String plugin, Limits limits) {
        return create(plugin, limits, CgroupMounts.read());
    }

    /** {@link #create(String, Limits)} in the cgroups {@code mounts} describes. */
    static PluginCgroup create(String plugin, Limits limits, CgroupMounts mounts) {
        String name = "outpost-" + plugin.replaceAll("[^A-Za-z0-9._-]", "_") + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        List<String> needed = new ArrayList<>();
        limits.memoryMB().ifPresent(mb -> needed.add("memory"));
        limits.cpuPercent().ifPresent(percent -> needed.add("cpu"));
        limits.processes().ifPresent(count -> needed.add("pids"));
        Map<String, Path> dirs = new LinkedHashMap<>();
        PluginCgroup cgroup = new PluginCgroup(limits, mounts.v2(), dirs);
        try {
            if (mounts.v2()) {
                Path own = mounts.own("").orElseThrow(() -> new IOException("no cgroup v2 of this host"));
                enable(own, needed);
                Path dir = Files.createDirectory(own.resolve(name));
                for (String controller : List.of("memory", "cpu", "pids")) {
                    dirs.put(controller, dir);
                }
            } else {
                for (String controller : List.of("memory", "cpuacct", "cpu", "pids")) {
                    Optional<Path> own = mounts.own(controller);
                    if (own.isEmpty()) {
                        if (needed.contains(controller)) {
                            throw new IOException("the " + controller + " controller (cgroup v1) is not mounted");
                        }
                        continue; // only for the usage: without it, less is shown
                    }
                    dirs.put(controller, Files.createDirectory(own.get().resolve(name)));
                }
            }
            cgroup.apply();
        } catch (IOException | RuntimeException e) {
            cgroup.remove();
            throw new PluginStartException(plugin, "plugin '" + plugin + "': cannot make a cgroup for its " + limits
                    + ": " + e.getMessage() + " (" + (mounts.v2() ? "cgroup v2: this host's cgroup must be delegated "
                    + "to it, e.g. a systemd unit with Delegate=yes" : "cgroup v1: the host must be root or own the "
                    + "controllers' directories") + "); the plugin is not started without them", List.of(), e,
                    Kind.RUNNER_UNAVAILABLE);
        }
        return cgroup;
    }

    /** cgroup v2: the controllers must be enabled for the children of the host's cgroup. */
    private static void enable(Path own, List<String> controllers) throws IOException {
        String enabled = read(own.resolve("cgroup.subtree_control"));
        for (String controller : controllers) {
            if (!(" " + enabled + " ").contains(" " + controller + " ")) {
                write(own.resolve("cgroup.subtree_control"), "+" + controller);
            }
        }
    }

    private void apply() throws IOException {
        if (limits.memoryMB().isPresent()) {
            long bytes = limits.memoryMB().getAsLong() * 1024 * 1024;
            Path memory = dirs.get("memory");
            if (v2) {
                write(memory.resolve("memory.max"), Long.toString(bytes));
                // Swap would let it use more than its limit, only slower.
                writeIfPresent(memory.resolve("memory.swap.max"), "0");
            } else {
                write(memory.resolve("memory.limit_in_bytes"), Long.toString(bytes));
                writeIfPresent(memory.resolve("memory.memsw.limit_in_bytes"), Long.toString(bytes));
            }
        }
        if (limits.cpuPercent().isPresent()) {
            long quota = limits.cpuPercent().getAsInt() * CPU_PERIOD_US / 100;
            Path cpu = dirs.get("cpu");
            if (v2) {
                write(cpu.resolve("cpu.max"), quota + " " + CPU_PERIOD_US);
            } else {
                write(cpu.resolve("cpu.cfs_period_us"), Long.toString(CPU_PERIOD_US));
                write(cpu.resolve("cpu.cfs_quota_us"), Long.toString(quota));
            }
        }
        if (limits.processes().isPresent()) {
            write(dirs.get("pids").resolve("pids.max"), Integer.toString(limits.processes().getAsInt()));
        }
    }

    /**
     * Joins the cgroup, then lowers the open-files rlimit, then executes the rest of its arguments: the
     * plugin's command line as its runner made it (a sandbox's {@code bwrap} included), so that the plugin
     * is within its limits from its first instruction, and so is all it starts.
     */
    private static final String WRAPPER = "files=$1; shift\n"
            + "while [ \"$1\" != -- ]; do\n"
            + "  echo $$ > \"$1\" || { echo \"outpost: cannot join the cgroup $1\" >&2; exit 125; }; shift\n"
            + "done\n"
            + "shift\n"
            + "if [ -n \"$files\" ]; then ulimit -n \"$files\" || exit 125; fi\n"
            + "exec \"$@\"\n";

    /** The wrapper's {@code $0}, which starts its error messages. */
    static final String WRAPPER_NAME = "outpost-limits";

    /** The command a plugin with {@code limits} starts through; {@code cgroup} null when none is needed. */
    static List<String> wrapper(PluginCgroup cgroup, Limits limits) {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", WRAPPER, WRAPPER_NAME,
                limits.openFiles().isPresent() ? Integer.toString(limits.openFiles().getAsInt()) : ""));
        if (cgroup != null) {
            cgroup.procsFiles().forEach(file -> command.add(file.toString()));
        }
        command.add("--");
        return command;
    }

    /** The files a process writes its pid into to join this cgroup, one per hierarchy. */
    List<Path> procsFiles() {
        return dirs.values().stream().distinct().map(dir -> dir.resolve("cgroup.procs")).toList();
    }

    /** The cgroup's directories, for the orphan guard to remove if the host dies. */
    List<Path> directories() {
        return dirs.values().stream().distinct().toList();
    }

    /** Why the plugin died, when its limits killed it (or kept it from forking). */
    Optional<String> exitReason() {
        Path memory = dirs.get("memory");
        if (limits.memoryMB().isPresent() && memory != null
                && counter(memory.resolve(v2 ? "memory.events" : "memory.oom_control"), "oom_kill") > 0) {
            return Optional.of("killed: memory limit " + limits.memoryMB().getAsLong() + " MB");
        }
        Path pids = dirs.get("pids");
        if (limits.processes().isPresent() && pids != null && counter(pids.resolve("pids.events"), "max") > 0) {
            return Optional.of("process limit " + limits.processes().getAsInt() + " reached");
        }
        return Optional.empty();
    }

    /** Memory and CPU used so far; empty where the controllers are not there to count them. */
    Optional<ResourceUsage> usage() {
        try {
            Path memory = dirs.get("memory");
            Path cpu = dirs.get(v2 ? "cpu" : "cpuacct");
            if (memory == null || cpu == null) {
                return Optional.empty();
            }
            long bytes = Long.parseLong(read(memory.resolve(v2 ? "memory.current" : "memory.usage_in_bytes")));
            Duration time = v2 ? Duration.ofNanos(counter(cpu.resolve("cpu.stat"), "usage_usec") * 1000)
                    : Duration.ofNanos(Long.parseLong(read(cpu.resolve("cpuacct.usage"))));
            return Optional.of(new ResourceUsage(bytes, time));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // removed meanwhile
        }
    }

    /**
     * Kills what is still in the cgroup (the plugin's processes, found exactly) and removes its directories.
     * Idempotent; a directory that cannot be removed is logged.
     */
    void remove() {
        for (Path dir : directories()) {
            killMembers(dir);
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                LOG.warn("cannot remove cgroup {}: {}", dir, e.toString());
            }
        }
        dirs.clear();
    }

    private static void killMembers(Path dir) {
        List<CompletableFuture<ProcessHandle>> exits = new ArrayList<>();
        try {
            for (String pid : read(dir.resolve("cgroup.procs")).split("\\s+")) {
                if (!pid.isEmpty()) {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(process -> {
                        process.destroyForcibly();
                        exits.add(process.onExit());
                    });
                }
            }
            CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        } catch (java.nio.file.NoSuchFileException e) {
            // already gone
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | NumberFormatException | java.util.concurrent.ExecutionException
                 | java.util.concurrent.TimeoutException e) {
            LOG.debug("cgroup {}: {}", dir, e.toString());
        }
    }

    /** The value of {@code key} in a file of "key value" lines, 0 when missing. */
    private static long counter(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                String[] words = line.trim().split("\\s+");
                if (words.length == 2 && words[0].equals(key)) {
                    return Long.parseLong(words[1]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.debug("cannot read {} from {}: {}", key, file, e.toString());
        }
        return 0;
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.US_ASCII).trim();
    }

    private static void write(Path file, String value) throws IOException {
        try {
            Files.writeString(file, value, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException("cannot write " + value + " to " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeIfPresent(Path file, String value) throws IOException {
        if (Files.exists(file)) {
            write(file, value);
        }
    }
}
