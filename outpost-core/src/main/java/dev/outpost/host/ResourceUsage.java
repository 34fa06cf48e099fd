package dev.outpost.host;

import java.time.Duration;

/**
 * What a plugin's processes use together, as its cgroup counts it (see {@link Limits}).
 *
 * @param memoryBytes the memory they use now, page cache included, in bytes
 * @param cpuTime     the CPU time they have used since the plugin started
 */
public record ResourceUsage(long memoryBytes, Duration cpuTime) {
}
