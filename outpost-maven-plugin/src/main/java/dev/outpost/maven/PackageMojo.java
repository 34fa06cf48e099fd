package dev.outpost.maven;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.inject.Inject;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;
import org.apache.maven.project.MavenProject;
import org.apache.maven.project.MavenProjectHelper;

/**
 * {@code outpost:package}: turns a plugin module into a plugin folder for a {@code PluginManager}'s
 * directory, {@code target/outpost/<id>/} with {@code plugin.json} and {@code lib/} (the module's jar,
 * then its runtime dependencies, as thin jars), and optionally {@code target/<id>-<version>.zip} of it.
 */
@Mojo(name = "package", defaultPhase = LifecyclePhase.PACKAGE, requiresDependencyResolution = ResolutionScope.RUNTIME,
        threadSafe = true)
public class PackageMojo extends AbstractMojo {

    private static final Set<String> RUNTIME_SCOPES = Set.of(Artifact.SCOPE_COMPILE, Artifact.SCOPE_RUNTIME);

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    private final MavenProjectHelper projectHelper;

    /** The plugin's main class (the one that calls {@code PluginServer.serve}). */
    @Parameter(property = "outpost.mainClass", required = true)
    private String mainClass;

    /** The plugin's id in the directory: the folder's name and {@code plugin.json}'s {@code id}. */
    @Parameter(property = "outpost.id", defaultValue = "${project.artifactId}")
    private String id;

    @Parameter(defaultValue = "${project.name}")
    private String name;

    @Parameter(defaultValue = "${project.version}")
    private String version;

    @Parameter(defaultValue = "${project.description}")
    private String description;

    @Parameter
    private String author;

    /** Arguments for the plugin's {@code main}. */
    @Parameter
    private List<String> args;

    /** JVM options; when none, the manager's ({@code JavaCommand.DEFAULT_JVM_OPTIONS} unless set). */
    @Parameter
    private List<String> jvmOptions;

    /**
     * The magic cookie the plugin expects, {@code KEY=VALUE} (its handshake's): a host with another one
     * fails it at once, and {@code outpost run} starts it with this one.
     */
    @Parameter
    private String magicCookie;

    /** The application protocol versions the plugin speaks. */
    @Parameter
    private List<Integer> protocolVersions;

    /** The host versions it works with, e.g. {@code >=1.2.0 <2.0.0}. */
    @Parameter
    private String requires;

    /** Also writes {@code <id>-<version>.zip} of the folder, attached to the build (classifier {@code outpost}). */
    @Parameter(property = "outpost.zip", defaultValue = "false")
    private boolean zip;

    @Parameter(defaultValue = "${project.build.directory}/outpost", required = true)
    private File outputDirectory;

    @Parameter(defaultValue = "${project.build.directory}", readonly = true, required = true)
    private File buildDirectory;

    /** Entry times of the zip, for reproducible builds. */
    @Parameter(defaultValue = "${project.build.outputTimestamp}", readonly = true)
    private String outputTimestamp;

    @Parameter(property = "outpost.skip", defaultValue = "false")
    private boolean skip;

    @Inject
    public PackageMojo(MavenProjectHelper projectHelper) {
        this.projectHelper = projectHelper;
    }

    @Override
    public void execute() throws MojoExecutionException {
        if (skip) {
            getLog().info("outpost:package skipped");
            return;
        }
        ManifestJson identity = new ManifestJson(id, name, version, author, description, mainClass, List.of(), args,
                jvmOptions, magicCookie, protocolVersions, requires);
        String problem = identity.problem();
        if (problem != null) {
            throw new MojoExecutionException("outpost:package: " + problem);
        }
        List<PluginFolder.Jar> jars = PluginFolder.named(classPath());
        try {
            if (PluginFolder.holding(jars, mainClass).isEmpty()) {
                throw new MojoExecutionException("outpost:package: no jar of the class path holds the main class "
                        + mainClass + " (looked in " + jars.stream().map(PluginFolder.Jar::fileName).toList() + ")");
            }
            Path folder = PluginFolder.write(outputDirectory.toPath(), identity, jars);
            getLog().info("plugin folder " + folder + " (" + jars.size() + " jars)");
            if (zip) {
                Path file = buildDirectory.toPath().resolve(id + "-" + version + ".zip");
                PluginFolder.zip(folder, file, entryTime(outputTimestamp));
                projectHelper.attachArtifact(project, "zip", "outpost", file.toFile());
                getLog().info("plugin zip " + file);
            }
        } catch (IOException e) {
            throw new MojoExecutionException("outpost:package: cannot write the plugin folder into " + outputDirectory
                    + ": " + e, e);
        }
    }

    /** The module's jar first, then the runtime dependencies in Maven's order, by coordinates. */
    private Map<String, PluginFolder.Jar> classPath() throws MojoExecutionException {
        Map<String, PluginFolder.Jar> jars = new LinkedHashMap<>();
        File own = project.getArtifact().getFile();
        if (own == null || !own.isFile()) {
            throw new MojoExecutionException("outpost:package: the module's jar is not built yet (" + own
                    + "): run the goal in the package phase, after jar:jar");
        }
        jars.put(project.getGroupId() + ":" + project.getArtifactId(), new PluginFolder.Jar(own.getName(), own.toPath()));
        for (Artifact artifact : project.getArtifacts()) {
            if (!RUNTIME_SCOPES.contains(artifact.getScope()) || !artifact.getArtifactHandler().isAddedToClasspath()) {
                continue;
            }
            File file = artifact.getFile();
            if (file == null || !file.isFile()) {
                throw new MojoExecutionException("outpost:package: dependency " + artifact + " is " + file
                        + ", not a jar: build it to its package phase first (in a reactor, run package or later)");
            }
            String classifier = artifact.hasClassifier() ? "-" + artifact.getClassifier() : "";
            String extension = artifact.getArtifactHandler().getExtension();
            jars.put(artifact.getGroupId() + ":" + artifact.getArtifactId() + classifier, new PluginFolder.Jar(
                    artifact.getArtifactId() + "-" + artifact.getBaseVersion() + classifier + "." + extension, file.toPath()));
        }
        return jars;
    }

    /** {@code project.build.outputTimestamp}: an ISO-8601 time or seconds since the epoch, as maven-jar-plugin reads it. */
    static Optional<FileTime> entryTime(String timestamp) {
        if (timestamp == null || timestamp.isBlank() || timestamp.length() < 2) {
            return Optional.empty();
        }
        try {
            return Optional.of(FileTime.from(timestamp.chars().allMatch(Character::isDigit)
                    ? Instant.ofEpochSecond(Long.parseLong(timestamp))
                    : OffsetDateTime.parse(timestamp).toInstant()));
        } catch (DateTimeParseException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
