package dev.outpost.archetype;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Maven that runs this build, started on another project with a local repository of its own in
 * front of the user's, which it only reads ({@code maven.repo.local.tail}): whatever it resolves or
 * downloads lands in the former.
 */
final class NestedMaven {

    /** What one run printed, and how it ended. */
    record Run(int exitCode, Path log) {
        String tail() throws IOException {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        }
    }

    private final Path mavenHome;
    private final Path repository;
    private final Path userRepository;
    private final boolean offline;
    private final Duration timeout;

    NestedMaven(Path mavenHome, Path repository, Path userRepository, boolean offline, Duration timeout) {
        this.mavenHome = mavenHome;
        this.repository = repository;
        this.userRepository = userRepository;
        this.offline = offline;
        this.timeout = timeout;
    }

    /** Runs {@code mvn ARGS} in {@code directory}, its output into {@code log}; kills it after the timeout. */
    Run run(Path directory, Path log, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(mavenHome.resolve("bin/mvn").toString(), "-B", "-ntp",
                "-Dmaven.repo.local=" + repository, "-Dmaven.repo.local.tail=" + userRepository));
        if (offline) {
            command.add("-o");
        }
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        // This JVM's Java, not whatever JAVA_HOME the environment names.
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // The outer build's MAVEN_ARGS (-o, say) are not the nested one's: what it needs is said above.
        builder.environment().remove("MAVEN_ARGS");
        Process process = builder.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("mvn " + String.join(" ", args) + " in " + directory
                        + " did not finish within " + timeout + "; its output: " + log);
            }
            return new Run(process.exitValue(), log);
        } finally {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
