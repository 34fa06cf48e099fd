package dev.outpost.maven;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Lays out a plugin folder: {@code plugin.json} and {@code lib/} with thin jars, copied as they are (no
 * shading: signed jars keep their signatures, {@code META-INF/services} files stay apart), and zips it.
 */
final class PluginFolder {

    private PluginFolder() {
    }

    /** A jar of the class path and the name it gets in {@code lib/}. */
    record Jar(String fileName, Path file) {
    }

    /**
     * Writes {@code outputDirectory/<id>/}, replacing what an earlier build left there, with {@code jars} in
     * {@code lib/} in this order (the module's own first), and the manifest naming them.
     *
     * @return the folder
     */
    static Path write(Path outputDirectory, ManifestJson identity, List<Jar> jars) throws IOException {
        Path folder = outputDirectory.resolve(identity.id());
        deleteTree(folder);
        Path lib = Files.createDirectories(folder.resolve("lib"));
        List<String> classPath = new ArrayList<>();
        for (Jar jar : jars) {
            Files.copy(jar.file(), lib.resolve(jar.fileName()), StandardCopyOption.COPY_ATTRIBUTES);
            classPath.add("lib/" + jar.fileName());
        }
        ManifestJson manifest = new ManifestJson(identity.id(), identity.name(), identity.version(), identity.author(),
                identity.description(), identity.mainClass(), classPath, identity.args(), identity.jvmOptions(),
                identity.magicCookie(), identity.protocolVersions(), identity.requires());
        Files.writeString(folder.resolve("plugin.json"), manifest.toJson(), StandardCharsets.UTF_8);
        return folder;
    }

    /**
     * Names the jars for {@code lib/}: each keeps its own name unless two would share it (two artifacts
     * called {@code core-1.0.jar} of different groups), when both get their group as a prefix.
     *
     * @param jars the jars by their Maven coordinates ({@code group:artifact}), each with the name it would
     *             have alone
     */
    static List<Jar> named(Map<String, Jar> jars) {
        Map<String, Integer> uses = new LinkedHashMap<>();
        jars.values().forEach(jar -> uses.merge(jar.fileName(), 1, Integer::sum));
        List<Jar> named = new ArrayList<>();
        jars.forEach((coordinates, jar) -> named.add(uses.get(jar.fileName()) == 1 ? jar
                : new Jar(coordinates.substring(0, coordinates.indexOf(':')) + "-" + jar.fileName(), jar.file())));
        return named;
    }

    /** The jar among {@code jars} that holds {@code mainClass}, if any. */
    static Optional<Path> holding(List<Jar> jars, String mainClass) throws IOException {
        String entry = mainClass.replace('.', '/') + ".class";
        for (Jar jar : jars) {
            try (ZipFile zip = new ZipFile(jar.file().toFile())) {
                if (zip.getEntry(entry) != null) {
                    return Optional.of(jar.file());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Zips {@code folder} into {@code zip}, its entries under the folder's name, in name order and with the
     * given time when there is one, so that the same files give the same zip.
     */
    static void zip(Path folder, Path zip, Optional<FileTime> entryTime) throws IOException {
        Files.createDirectories(zip.toAbsolutePath().getParent());
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).sorted(Comparator.comparing(Path::toString)).toList();
        }
        Path base = folder.getParent();
        try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream zipped = new ZipOutputStream(out)) {
            for (Path file : files) {
                ZipEntry entry = new ZipEntry(base.relativize(file).toString().replace('\\', '/'));
                entryTime.ifPresent(entry::setLastModifiedTime);
                zipped.putNextEntry(entry);
                Files.copy(file, zipped);
                zipped.closeEntry();
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path file : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
