package dev.outpost.interop.soak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

/**
 * The soak's plugins directory: one small wrapper script per plugin that execs a real peer, so that the
 * chaos can break "the plugin's file" (replace it with garbage, take its execute bit, remove it) and put
 * it back without ever touching the peers themselves. Every write is a rename into place, as a
 * deployment would do it, so that the manager's watcher never reads half a file.
 */
final class SoakPlugins implements AutoCloseable {

    /** How the chaos breaks a plugin's file for a while. */
    enum Corruption {
        /** Random bytes with the execute bit: the kernel cannot run it. */
        GARBAGE,
        /** A script that complains on stderr and exits 1 before any handshake. */
        EXITS_AT_ONCE,
        /** A script that never prints a handshake: its start times out. */
        NO_HANDSHAKE,
        /** The right script without its execute bit: the directory skips it. */
        NOT_EXECUTABLE,
        /** No file at all. */
        REMOVED
    }

    private final Path dir;
    /** Plugin id to the command its wrapper runs. */
    private final Map<String, String> targets;

    private SoakPlugins(Path dir, Map<String, String> targets) {
        this.dir = dir;
        this.targets = targets;
    }

    /**
     * Makes a plugins directory inside {@code parent} with a wrapper for each existing peer: two Go
     * (go-plugin v1.0.1), one Go v1.8.0 if it was built, one Python and one Java.
     */
    static SoakPlugins create(Path parent, Path peersDir, Path interopDir) throws IOException {
        Map<String, String> targets = new LinkedHashMap<>();
        put(targets, "go-a", peersDir.resolve("go-kv-plugin"), true);
        put(targets, "go-b", peersDir.resolve("go-kv-plugin"), true);
        put(targets, "go18", peersDir.resolve("go18-kv-plugin"), false);
        put(targets, "python", peersDir.resolve("python-kv-plugin"), true);
        put(targets, "java", interopDir.resolve("java-kv-plugin"), true);
        Path dir = Files.createTempDirectory(parent, "soak-plugins-");
        SoakPlugins plugins = new SoakPlugins(dir, targets);
        for (String id : targets.keySet()) {
            plugins.restore(id);
        }
        return plugins;
    }

    private static void put(Map<String, String> targets, String id, Path command, boolean required) {
        if (Files.isExecutable(command)) {
            targets.put(id, command.toAbsolutePath().toString());
        } else if (required) {
            throw new IllegalStateException("soak: peer " + command + " is missing or not executable; build the "
                    + "peers with interop/peers/build.sh and the jars with ./mvnw -DskipTests package");
        }
    }

    Path dir() {
        return dir;
    }

    List<String> ids() {
        return List.copyOf(targets.keySet());
    }

    /** The peer that plugin {@code id} runs, for the report. */
    String target(String id) {
        return targets.get(id);
    }

    /** Writes the good wrapper again: a change of the file (its time at least) that a watcher sees. */
    void restore(String id) {
        write(id, wrapper(id).getBytes(StandardCharsets.UTF_8), true);
    }

    void corrupt(String id, Corruption how, RandomGenerator random) {
        switch (how) {
            case GARBAGE -> {
                byte[] junk = new byte[64 + random.nextInt(512)];
                random.nextBytes(junk);
                junk[0] = 0x7f; // not "#!": the kernel refuses it rather than a shell running it
                write(id, junk, true);
            }
            case EXITS_AT_ONCE -> write(id, ("#!/bin/sh\necho 'soak: this plugin file is broken on purpose' >&2\n"
                    + "exit 1\n").getBytes(StandardCharsets.UTF_8), true);
            // exec: the process the host starts is the one it kills on the start timeout, no orphan sleep.
            case NO_HANDSHAKE -> write(id, "#!/bin/sh\nexec sleep 600\n".getBytes(StandardCharsets.UTF_8), true);
            case NOT_EXECUTABLE -> write(id, wrapper(id).getBytes(StandardCharsets.UTF_8), false);
            case REMOVED -> {
                try {
                    Files.deleteIfExists(dir.resolve(id));
                } catch (IOException e) {
                    throw new UncheckedIOException("soak: cannot remove " + dir.resolve(id), e);
                }
            }
        }
    }

    private String wrapper(String id) {
        return "#!/bin/sh\n# soak wrapper of plugin " + id + "\nexec '" + targets.get(id).replace("'", "'\\''")
                + "' \"$@\"\n";
    }

    private void write(String id, byte[] content, boolean executable) {
        Path file = dir.resolve(id);
        Path temporary = dir.resolve("." + id + ".tmp");
        try {
            Files.write(temporary, content);
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("soak: cannot write " + file, e);
        }
    }

    /** Removes the directory and its wrappers (never the peers they run). */
    @Override
    public void close() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
