package dev.outpost.host;

import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Resource limits of a plugin's process and everything it starts, with whatever {@link Runner}: memory,
 * CPU and process count through a cgroup of its own (cgroup v2 where this host's cgroup is delegated to
 * it, v1 where the controllers are mounted and writable, as for root), open files through the
 * {@code RLIMIT_NOFILE} rlimit. Immutable; build with {@link #builder()}; an unset limit is no limit.
 *
 * <p>A plugin the kernel kills for going over its memory limit exits with a reason that says so
 * ({@link PluginExit#reason()}: {@code killed: memory limit 64 MB}); one that reaches its process limit
 * cannot fork more. Where no cgroup can be made for a limit that needs one (not root and nothing
 * delegated, a controller missing), the plugin is not started: the start fails with
 * {@link dev.outpost.PluginStartException.Kind#RUNNER_UNAVAILABLE} and the reason. The cgroup is removed when the
 * plugin's process is gone, and by the orphan guard if the host dies.
 *
 * <pre>{@code
 * ClientConfig config = ClientConfig.builder()
 *         .handshake(HandshakeConfig.of(1, "BASIC_PLUGIN", "hello"))
 *         .command("plugins/kv")
 *         .limits(Limits.builder().memoryMB(64).cpuPercent(50).processes(32).openFiles(256).build())
 *         .plugin("kv", GrpcPlugin.client(KVGrpc::newBlockingStub))
 *         .build();
 * }</pre>
 */
public final class Limits {

    /** Below this a JVM or a Go runtime cannot even start; above, more memory than any machine has. */
    static final long MIN_MEMORY_MB = 4;
    static final long MAX_MEMORY_MB = 16L * 1024 * 1024;
    static final int MAX_PROCESSES = 4_194_304; // the kernel's pid_max limit
    static final int MIN_OPEN_FILES = 16;
    static final int MAX_OPEN_FILES = 1_073_741_816; // the kernel's nr_open limit
    static final int MAX_CPU_PERCENT = 100 * 1024;

    private final long memoryMB;
    private final int processes;
    private final int openFiles;
    private final int cpuPercent;

    private Limits(Builder builder) {
        this.memoryMB = builder.memoryMB;
        this.processes = builder.processes;
        this.openFiles = builder.openFiles;
        this.cpuPercent = builder.cpuPercent;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The most memory, in MiB, its processes may use together. */
    public OptionalLong memoryMB() {
        return memoryMB > 0 ? OptionalLong.of(memoryMB) : OptionalLong.empty();
    }

    /** The most processes and threads it may have at once. */
    public OptionalInt processes() {
        return processes > 0 ? OptionalInt.of(processes) : OptionalInt.empty();
    }

    /** The most files each of its processes may have open. */
    public OptionalInt openFiles() {
        return openFiles > 0 ? OptionalInt.of(openFiles) : OptionalInt.empty();
    }

    /** The CPU time it may use, in percent of one core (200: two cores). */
    public OptionalInt cpuPercent() {
        return cpuPercent > 0 ? OptionalInt.of(cpuPercent) : OptionalInt.empty();
    }

    /** Whether a limit needs a cgroup (all but open files do). */
    boolean needsCgroup() {
        return memoryMB > 0 || processes > 0 || cpuPercent > 0;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("limits(");
        memoryMB().ifPresent(mb -> text.append("memory ").append(mb).append(" MB, "));
        processes().ifPresent(n -> text.append(n).append(" processes, "));
        openFiles().ifPresent(n -> text.append(n).append(" open files, "));
        cpuPercent().ifPresent(n -> text.append(n).append("% CPU, "));
        return text.length() > 7 ? text.substring(0, text.length() - 2) + ")" : "limits(none)";
    }

    /** Builds {@link Limits}; each setter refuses a value out of its range, naming it. */
    public static final class Builder {
        private long memoryMB;
        private int processes;
        private int openFiles;
        private int cpuPercent;

        private Builder() {
        }

        /** At least 4 MiB. */
        public Builder memoryMB(long megabytes) {
            this.memoryMB = check("memoryMB", megabytes, MIN_MEMORY_MB, MAX_MEMORY_MB);
            return this;
        }

        /** At least 1. */
        public Builder processes(int count) {
            this.processes = (int) check("processes", count, 1, MAX_PROCESSES);
            return this;
        }

        /** At least 16. */
        public Builder openFiles(int count) {
            this.openFiles = (int) check("openFiles", count, MIN_OPEN_FILES, MAX_OPEN_FILES);
            return this;
        }

        /** In percent of one core, at least 1. */
        public Builder cpuPercent(int percent) {
            this.cpuPercent = (int) check("cpuPercent", percent, 1, MAX_CPU_PERCENT);
            return this;
        }

        public Limits build() {
            return new Limits(this);
        }

        private static long check(String name, long value, long min, long max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException("\"" + name + "\" must be from " + min + " to " + max + ", got "
                        + value);
            }
            return value;
        }
    }
}
