package dev.outpost.archetype;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A local Maven repository holding this reactor's artifacts, copied from the modules' pom.xml and
 * target/ jars, so that a nested build finds this build's Outpost without anything installed into the
 * user's repository (which other builds share and which must never get these SNAPSHOTs).
 */
final class ReactorRepository {

    static final String GROUP = "dev.outpost";

    /** The modules a generated project uses, and what they use of Outpost at run time. */
    static final List<String> MODULES = List.of(
            "outpost-api", "outpost-core", "outpost-manager", "outpost-plugin-slf4j", "outpost-testing", "outpost-maven-plugin");

    private final Path root;
    private final String version;
    private final Path repository;

    ReactorRepository(Path root, String version, Path repository) {
        this.root = root;
        this.version = version;
        this.repository = repository;
    }

    /** Copies the parent POM, {@link #MODULES} and the archetype (its jar {@code archetypeJar}). */
    Path populate(Path archetypeJar) {
        copy(root.resolve("pom.xml"), "outpost-parent", "pom");
        for (String module : MODULES) {
            Path moduleDir = root.resolve(module);
            copy(moduleDir.resolve("pom.xml"), module, "pom");
            copy(moduleDir.resolve("target").resolve(module + "-" + version + ".jar"), module, "jar");
        }
        copy(root.resolve("outpost-plugin-archetype/pom.xml"), "outpost-plugin-archetype", "pom");
        copy(archetypeJar, "outpost-plugin-archetype", "jar");
        return repository;
    }

    private void copy(Path source, String artifactId, String extension) {
        if (!Files.isRegularFile(source)) {
            throw new IllegalStateException("no " + source + " to copy into the test repository: build "
                    + artifactId + " in this reactor first (./mvnw verify -pl outpost-plugin-archetype -am)");
        }
        Path dir = repository.resolve(GROUP.replace('.', '/')).resolve(artifactId).resolve(version);
        try {
            Files.createDirectories(dir);
            Files.copy(source, dir.resolve(artifactId + "-" + version + "." + extension),
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("copying " + source + " into " + dir, e);
        }
    }
}
