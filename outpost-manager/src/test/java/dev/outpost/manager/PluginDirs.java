package dev.outpost.manager;

import dev.outpost.fixtures.TestJvm;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;

/** Writes plugins into a test's plugins directory. */
final class PluginDirs {

    private PluginDirs() {
    }

    /** An executable script that runs the sensor plugin with {@code args}. */
    static Path script(Path dir, String name, String... args) throws IOException {
        return script(dir, name, "exec " + quote(TestJvm.of(SensorPlugin.class, args)));
    }

    /** An executable script with the given body. */
    static Path script(Path dir, String name, String body) throws IOException {
        Path file = dir.resolve(name);
        Path temporary = dir.resolve("." + name + ".tmp");
        Files.writeString(temporary, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rwxr-xr-x"));
        // Renamed into place, as a deployment would, so that a watcher never sees a half-written script.
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    /** A jar with only a manifest: its main class and class path point at the test classpath. */
    static Path jar(Path dir, String name) throws IOException {
        java.util.jar.Manifest manifest = new java.util.jar.Manifest();
        Attributes attributes = manifest.getMainAttributes();
        attributes.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        attributes.put(Attributes.Name.MAIN_CLASS, SensorPlugin.class.getName());
        List<String> command = TestJvm.of(SensorPlugin.class);
        String classpath = command.get(command.indexOf("-cp") + 1);
        attributes.put(Attributes.Name.CLASS_PATH, java.util.Arrays.stream(classpath.split(java.io.File.pathSeparator))
                .map(entry -> Path.of(entry).toUri().toString()).collect(Collectors.joining(" ")));
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.flush();
        }
        return file;
    }

    /** A plugin folder with a {@code plugin.json}. */
    static Path folder(Path dir, String name, String manifestJson) throws IOException {
        Path folder = Files.createDirectories(dir.resolve(name));
        Files.writeString(folder.resolve("plugin.json"), manifestJson, StandardCharsets.UTF_8);
        return folder;
    }

    /**
     * One folder per entry of {@code values}, named by its key, whose {@code plugin.json} runs the sensor plugin
     * with {@code "field": value}.
     */
    static void folders(Path dir, String field, java.util.Map<String, String> values) throws IOException {
        for (java.util.Map.Entry<String, String> plugin : values.entrySet()) {
            folder(dir, plugin.getKey(), "{\"id\": \"" + plugin.getKey() + "\", \"command\": " + commandJson()
                    + ", \"" + field + "\": " + plugin.getValue() + "}");
        }
    }

    /** A JSON list of the sensor plugin's command line. */
    static String commandJson(String... args) {
        return TestJvm.of(SensorPlugin.class, args).stream()
                .map(part -> "\"" + part.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(", ", "[", "]"));
    }

    static String quote(List<String> command) {
        return command.stream().map(part -> "'" + part.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
    }

    static Optional<ProcessHandle> process(long pid) {
        return ProcessHandle.of(pid);
    }
}
