package dev.outpost.console;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** The resident memory of a process, from {@code /proc/<pid>/status}: Linux only, empty elsewhere. */
final class ProcessMemory {

    private static final Path PROC = Path.of("/proc");

    private ProcessMemory() {
    }

    /** Its resident set size in bytes; empty when the system does not say (not Linux, the process gone). */
    static OptionalLong residentBytes(long pid) {
        Path status = PROC.resolve(Long.toString(pid)).resolve("status");
        try {
            for (String line : Files.readAllLines(status)) {
                // "VmRSS:     12345 kB": the kernel always gives it in kB.
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
                }
            }
            return OptionalLong.empty(); // a kernel thread or a zombie: no memory of its own
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
