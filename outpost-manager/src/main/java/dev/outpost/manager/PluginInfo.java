package dev.outpost.manager;

import dev.outpost.host.ResourceUsage;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A snapshot of one managed plugin.
 *
 * @param id           its id (from its manifest, else its file name)
 * @param source       the directory entry it came from
 * @param manifest     its manifest: from {@code plugin.json}, or read from the plugin at its first start;
 *                     kept when it crashes
 * @param state        its state
 * @param pid          its process id while it has a process
 * @param startedAt    when its current process became ready
 * @param restarts     how many times it was restarted after crashes (reset by an explicit start)
 * @param lastError    the last error, in words; the whole of it, which may take several lines (a start
 *                     failure quotes what the plugin printed)
 * @param lastExitCode the exit status of its last process, once one exited
 * @param stderrTail   the last lines its processes wrote on stderr
 * @param usage        the memory and CPU time its current process and what it started use, when it runs with
 *                     {@code "limits"} (which give it a cgroup that counts them)
 */
public record PluginInfo(String id, Path source, Optional<Manifest> manifest, PluginState state, OptionalLong pid,
                         Optional<Instant> startedAt, int restarts, Optional<String> lastError,
                         OptionalInt lastExitCode, List<String> stderrTail, Optional<ResourceUsage> usage) {
}
